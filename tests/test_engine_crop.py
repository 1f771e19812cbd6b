"""The engine's crop against OpenCV's own warpPerspective, bit for bit, on random ROIs over real frames.

MediaPipe's wheel crops with its bundled OpenCV 3.4, whose 8-bit warpPerspective equals cv2 <= 4.10 (spec §3.1);
cv2 4.11 (pinned by the project) changed those kernels, so this test needs an older cv2 first on the path and
skips otherwise:

    pip install --target /tmp/cv410 opencv-python-headless==4.10.0.84
    PYTHONPATH=/tmp/cv410 python -m pytest tests/test_engine_crop.py
"""

import math

import numpy as np
import pytest

pytestmark = pytest.mark.engine
torch = pytest.importorskip("torch")
cv2 = pytest.importorskip("cv2")

import engine_trace  # noqa: E402
from phoenix_keypoints.engine import crop  # noqa: E402

if tuple(int(part) for part in cv2.__version__.split(".")[:2]) >= (4, 11):
    pytest.skip(f"cv2 {cv2.__version__} is not MediaPipe's crop arithmetic (needs <= 4.10)", allow_module_level=True)
if not engine_trace.available():
    pytest.skip(f"{engine_trace.SHARED} is missing", allow_module_level=True)

CLIPS = ("train/sample_asl_soup-1", "signing-clips/FOOTBALL.mp4", "autsl-sample/signer0_sample1000_color.mp4")
CROPS = ((256, False), (224, True), (224, False), (192, False), (128, True))  # (side, zero border)


def opencv_crop(frame: np.ndarray, roi_px: list[float], size: int, zero_border: bool) -> np.ndarray:
    """ImageToTensor's OpenCV calls, as image_to_tensor_converter_opencv.cc makes them."""
    cx, cy, width, height, rotation = (np.float32(v) for v in roi_px)
    angle = np.float32(np.float64(np.float32(rotation * np.float32(180.0))) / math.pi)
    corners = cv2.boxPoints(((float(cx), float(cy)), (float(width), float(height)), float(angle)))
    tensor_corners = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), tensor_corners)
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    return cv2.warpPerspective(frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)


@pytest.mark.parametrize("name", CLIPS)
def test_crop_is_opencv_bit_for_bit(name):
    frames = engine_trace.read_clip(name)[:6]
    height, width = frames[0].shape[:2]
    sizes = torch.tensor([[width, height]] * len(frames), dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)
    n = 40
    rows = torch.randint(0, len(frames), (n,), generator=generator)

    def uniform(low, high):
        return torch.rand(n, generator=generator) * (high - low) + low

    # Centres partly outside the frame, any size and rotation: both borders get exercised.
    rois = torch.stack(
        (uniform(-0.2, 1.2), uniform(-0.2, 1.2), uniform(0.05, 0.95), uniform(0.05, 0.95), uniform(-3.5, 3.5)), 1
    )
    roi_px = crop.roi_to_pixels(rois, sizes[rows])
    for size, zero_border in CROPS:
        # The range (0, 255) leaves the uint8 values unchanged.
        ours = crop.crop(torch.from_numpy(np.stack(frames)), sizes, rows, roi_px, size, (0.0, 255.0), zero_border)
        ours = ours.to(torch.uint8).numpy()
        for i in range(n):
            reference = opencv_crop(frames[rows[i]], roi_px[i].tolist(), size, zero_border)
            assert np.array_equal(ours[i], reference), f"{name}: ROI {i}, {size} px, zero border {zero_border}"
