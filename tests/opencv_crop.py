"""ImageToTensor's OpenCV calls, as image_to_tensor_converter_opencv.cc makes them, run under OpenCV 4.10.

MediaPipe's wheel crops with its bundled OpenCV 3.4, whose 8-bit warpPerspective equals cv2 <= 4.10 (spec §3.1);
the project pins cv2 4.11, which changed those kernels. tests/test_engine_crop.py therefore runs this file in a
child process with opencv-python-headless==4.10.0.84 first on its path (a side folder that `make test` installs):

    python tests/opencv_crop.py INPUTS.npz OUTPUTS.npz

INPUTS holds `frames` [F, H, W, 3] uint8, `rows` [n], `roi_px` [n, 5] float32 and `crops` [k, 2] (side, zero
border); OUTPUTS one array `crop{j}` [n, side, side, 3] uint8 per crop.
"""

import math
import sys

import cv2
import numpy as np

REFERENCE_VERSION = "4.10.0"


def opencv_crop(frame: np.ndarray, roi_px: list[float], size: int, zero_border: bool) -> np.ndarray:
    cx, cy, width, height, rotation = (np.float32(v) for v in roi_px)
    angle = np.float32(np.float64(np.float32(rotation * np.float32(180.0))) / math.pi)
    corners = cv2.boxPoints(((float(cx), float(cy)), (float(width), float(height)), float(angle)))
    tensor_corners = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), tensor_corners)
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    return cv2.warpPerspective(frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)


def main(inputs: str, outputs: str) -> None:
    if cv2.__version__ != REFERENCE_VERSION:
        sys.exit(f"cv2 {cv2.__version__} ({cv2.__file__}) is not MediaPipe's crop arithmetic ({REFERENCE_VERSION})")
    given = np.load(inputs)
    frames, rows, roi_px = given["frames"], given["rows"], given["roi_px"]
    pairs = list(zip(rows, roi_px, strict=True))
    crops = {
        f"crop{j}": np.stack([opencv_crop(frames[row], roi, int(size), bool(zero)) for row, roi in pairs])
        for j, (size, zero) in enumerate(given["crops"])
    }
    np.savez(outputs, **crops)


if __name__ == "__main__":
    main(*sys.argv[1:])
