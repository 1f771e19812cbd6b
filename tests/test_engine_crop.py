"""The engine's crop against OpenCV's own warpPerspective, bit for bit, on random ROIs over real frames.

MediaPipe's wheel crops with its bundled OpenCV 3.4, whose 8-bit warpPerspective equals cv2 <= 4.10 (spec §3.1);
cv2 4.11 (pinned by the project) changed those kernels, so the reference crops come from tests/opencv_crop.py run
in a child process with opencv-python-headless==4.10.0.84 from a side folder: `make test` installs it
(.venv/opencv-4.10) and says where (PHOENIX_CV2_REFERENCE); the test fails if that folder is missing then, and
skips only where neither make nor the folder is there (run `make .venv/opencv-4.10/.installed`).
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phoenix_keypoints.testing import REPO

pytestmark = [pytest.mark.slow, pytest.mark.engine]  # MediaPipe's crop arithmetic in a child process, 15 s
torch = pytest.importorskip("torch")

from phoenix_keypoints.engine import crop  # noqa: E402
from phoenix_keypoints.engine.model_specs import MODEL_SPECS  # noqa: E402
from phoenix_keypoints.testing import SHARED, trace  # noqa: E402

if not trace.available():
    pytest.skip(f"{SHARED} is missing", allow_module_level=True)
CV2_REFERENCE = Path(os.environ.get("PHOENIX_CV2_REFERENCE", REPO / ".venv" / "opencv-4.10"))
if not (CV2_REFERENCE / "cv2").is_dir():
    why = f"OpenCV 4.10 is not installed in {CV2_REFERENCE}; run `make .venv/opencv-4.10/.installed`"
    if "PHOENIX_CV2_REFERENCE" in os.environ:
        pytest.fail(why, pytrace=False)
    pytest.skip(why, allow_module_level=True)

CLIPS = ("train/sample_asl_soup-1", "signing-clips/FOOTBALL.mp4", "autsl-sample/signer0_sample1000_color.mp4")
# (side, zero border) of every crop the engine makes
CROPS = tuple(dict.fromkeys((spec.crop.side, spec.crop.zero_border) for spec in MODEL_SPECS.values()))


def opencv_crops(tmp_path, frames: np.ndarray, rows: torch.Tensor, roi_px: torch.Tensor) -> list[np.ndarray]:
    """OpenCV 4.10's crops of each ROI, one array per entry of CROPS (tests/opencv_crop.py in a child process)."""
    inputs, outputs = tmp_path / "inputs.npz", tmp_path / "outputs.npz"
    np.savez(inputs, frames=frames, rows=rows.numpy(), roi_px=roi_px.numpy(), crops=np.array(CROPS))
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "opencv_crop.py"), str(inputs), str(outputs)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(CV2_REFERENCE)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with np.load(outputs) as crops:
        return [crops[f"crop{j}"] for j in range(len(CROPS))]


@pytest.mark.parametrize("name", CLIPS)
def test_crop_is_opencv_bit_for_bit(name, tmp_path):
    frames = np.stack(trace.read_clip(name)[:6])
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
    references = opencv_crops(tmp_path, frames, rows, roi_px)
    for (size, zero_border), reference in zip(CROPS, references, strict=True):
        # The range (0, 255) leaves the uint8 values unchanged.
        ours = crop.crop(torch.from_numpy(frames), sizes, rows, roi_px, size, (0.0, 255.0), zero_border)
        ours = ours.to(torch.uint8).numpy()
        for i in range(n):
            assert np.array_equal(ours[i], reference[i]), f"{name}: ROI {i}, {size} px, zero border {zero_border}"
