"""The ROI calculators of the graph (spec §3.3-3.7, §3.10), batched: rects are float32 [..., 5] tensors of
NormalizedRect (x_center, y_center, width, height, rotation); image sizes are float32 (W, H) per row.

The arithmetic follows the C++ types: float where MediaPipe computes in float, double where it promotes
(NormalizeRadians, M_PI), and atan2/cos/sin of floats rounded from double (glibc's float libm is accurate to
the last bit almost always; the rare 1-ULP difference is fp noise for the stages after).
"""

import functools
import math

import torch

from .device import divide
from .model_specs import RectTransform, TrackingLimits

FLOAT_MIN = torch.finfo(torch.float32).tiny  # std::numeric_limits<float>::min(): the smallest positive float


def _f(fn, x: torch.Tensor) -> torch.Tensor:
    return fn(x.double()).float()


def atan2f(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.atan2(y.double(), x.double()).float()


@functools.cache
def target_angle(degrees: float) -> float:
    """The calculators' float target angle, M_PI * degrees / 180 (a Python number: no copy to the device)."""
    return float(torch.tensor(math.pi * degrees / 180.0, dtype=torch.float32))


def normalize_radians(angle: torch.Tensor) -> torch.Tensor:
    """NormalizeRadians: computed in double (M_PI), stored as float."""
    a = angle.double()
    return (a - 2 * math.pi * torch.floor(divide(a + math.pi, 2 * math.pi))).float()


def rotation_between(x0, y0, x1, y1, target_degrees: float) -> torch.Tensor:
    """ComputeRotation of DetectionsToRects: points in pixels, y down."""
    return normalize_radians(target_angle(target_degrees) - atan2f(-(y1 - y0), x1 - x0))


def landmarks_bbox(points: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """LandmarksToDetection's bbox of [..., n, 2]: (xmin, ymin, width, height). Its maxima start at float::min()
    (1.2e-38, not the lowest float), so a set with every coordinate negative gets a maximum of ~0."""
    lo = points.amin(dim=-2)
    hi = points.amax(dim=-2).clamp(min=FLOAT_MIN)
    return lo[..., 0], lo[..., 1], hi[..., 0] - lo[..., 0], hi[..., 1] - lo[..., 1]


def rect_from_landmarks_bbox(points: torch.Tensor, start: int, end: int, sizes: torch.Tensor) -> torch.Tensor:
    """LandmarksToDetection, then DetectionsToRects in box mode with rotation from keypoint start to end (0°)."""
    xmin, ymin, width, height = landmarks_bbox(points)
    w, h = sizes[..., 0], sizes[..., 1]
    rotation = rotation_between(
        points[..., start, 0] * w, points[..., start, 1] * h, points[..., end, 0] * w, points[..., end, 1] * h, 0.0
    )
    return torch.stack((xmin + width / 2, ymin + height / 2, width, height, rotation), dim=-1)


def rect_from_keypoints(points: torch.Tensor, start: int, end: int, sizes: torch.Tensor) -> torch.Tensor:
    """DetectionsToRects in USE_KEYPOINTS mode (bbox of the keypoints from the lowest float), rotation start->end 0°."""
    lo, hi = points.amin(dim=-2), points.amax(dim=-2)
    w, h = sizes[..., 0], sizes[..., 1]
    rotation = rotation_between(
        points[..., start, 0] * w, points[..., start, 1] * h, points[..., end, 0] * w, points[..., end, 1] * h, 0.0
    )
    centre, size = (lo + hi) / 2, hi - lo
    return torch.stack((*centre.unbind(-1), *size.unbind(-1), rotation), dim=-1)


def alignment_points_rect(start: torch.Tensor, end: torch.Tensor, sizes: torch.Tensor, target_degrees: float):
    """AlignmentPointsRectsCalculator: centre at `start`, side twice |end - start| in pixels ([..., 2] points)."""
    w, h = sizes[..., 0], sizes[..., 1]
    x0, y0 = start[..., 0] * w, start[..., 1] * h
    x1, y1 = end[..., 0] * w, end[..., 1] * h
    box = torch.sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) * 2.0
    rotation = rotation_between(x0, y0, x1, y1, target_degrees)
    return torch.stack((x0 / w, y0 / h, box / w, box / h, rotation), dim=-1)


def transform_rect(rect, sizes, transform: RectTransform) -> torch.Tensor:
    """RectTransformationCalculator (normalised branch) with square_long, scale_x = scale_y and shift_x = 0."""
    scale, shift_y = transform.scale, transform.shift_y
    cx, cy, width, height, rotation = rect.unbind(-1)
    w, h = sizes[..., 0], sizes[..., 1]
    if shift_y:
        sin, cos = _f(torch.sin, rotation), _f(torch.cos, rotation)
        rotated_x = cx + (w * width * 0.0 * cos - h * height * shift_y * sin) / w
        rotated_y = cy + (w * width * 0.0 * sin + h * height * shift_y * cos) / h
        zero = rotation == 0
        cx = torch.where(zero, cx + width * 0.0, rotated_x)
        cy = torch.where(zero, cy + height * shift_y, rotated_y)
    long_side = torch.maximum(width * w, height * h)
    return torch.stack((cx, cy, long_side / w * scale, long_side / h * scale, rotation), dim=-1)


def hand_rect_from_pose(wrist, pinky, index, sizes) -> torch.Tensor:
    """HandDetectionsFromPoseToRectsCalculator: centre at the estimated middle finger, side twice its distance to
    the wrist, rotation wrist -> middle (90°)."""
    w, h = sizes[..., 0], sizes[..., 1]
    xw, yw = wrist[..., 0] * w, wrist[..., 1] * h
    xi, yi = index[..., 0] * w, index[..., 1] * h
    xp, yp = pinky[..., 0] * w, pinky[..., 1] * h
    xm = divide(2.0 * xi + xp, 3.0)
    ym = divide(2.0 * yi + yp, 3.0)
    box = torch.sqrt((xm - xw) * (xm - xw) + (ym - yw) * (ym - yw)) * 2.0
    rotation = rotation_between(xw, yw, xm, ym, 90.0)
    return torch.stack((xm / w, ym / h, box / w, box / h, rotation), dim=-1)


# HandLandmarksToRectCalculator works on the legacy palm subset of the 21 hand landmarks (spec §3.6).
PALM_SUBSET = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)


def hand_rect_from_landmarks(landmarks: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """HandLandmarksToRectCalculator on [..., 21, 2+] landmarks: a rect aligned wrist -> middle of the palm."""
    palm = landmarks[..., PALM_SUBSET, :2]
    w, h = sizes[..., 0], sizes[..., 1]
    x0, y0 = palm[..., 0, 0] * w, palm[..., 0, 1] * h
    x1 = (palm[..., 4, 0] + palm[..., 8, 0]) / 2.0
    y1 = (palm[..., 4, 1] + palm[..., 8, 1]) / 2.0
    x1 = (x1 + palm[..., 6, 0]) / 2.0 * w
    y1 = (y1 + palm[..., 6, 1]) / 2.0 * h
    rotation = rotation_between(x0, y0, x1, y1, 90.0)
    reverse = normalize_radians(-rotation)
    lo = palm.amin(dim=-2)
    hi = palm.amax(dim=-2).clamp(min=FLOAT_MIN)
    centre = (hi + lo) / 2.0
    ox = (palm[..., 0] - centre[..., None, 0]) * w[..., None]
    oy = (palm[..., 1] - centre[..., None, 1]) * h[..., None]
    cos_r, sin_r = _f(torch.cos, reverse)[..., None], _f(torch.sin, reverse)[..., None]
    px = ox * cos_r - oy * sin_r
    py = ox * sin_r + oy * cos_r
    max_x, max_y = px.amax(-1).clamp(min=FLOAT_MIN), py.amax(-1).clamp(min=FLOAT_MIN)
    min_x, min_y = px.amin(-1), py.amin(-1)
    pcx, pcy = (max_x + min_x) / 2.0, (max_y + min_y) / 2.0
    cos, sin = _f(torch.cos, rotation), _f(torch.sin, rotation)
    cx = pcx * cos - pcy * sin + w * centre[..., 0]
    cy = pcx * sin + pcy * cos + h * centre[..., 1]
    return torch.stack((cx / w, cy / h, (max_x - min_x) / w, (max_y - min_y) / h, rotation), dim=-1)


def remove_letterbox(points: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
    """LandmarkLetterboxRemovalCalculator on [n, k, 3] (x, y, z) with padding [n, 4] = (l, t, r, b)."""
    left, top = padding[:, None, 0], padding[:, None, 1]
    lr = (padding[:, 0] + padding[:, 2])[:, None]
    tb = (padding[:, 1] + padding[:, 3])[:, None]
    x = (points[..., 0] - left) / (1.0 - lr)
    y = (points[..., 1] - top) / (1.0 - tb)
    z = points[..., 2] / (1.0 - lr)
    return torch.stack((x, y, z), dim=-1)


def project(points: torch.Tensor, rect: torch.Tensor) -> torch.Tensor:
    """LandmarkProjectionCalculator with a NORM_RECT and no image size (the square-ROI formula): [n, k, 3]."""
    x = points[..., 0] - 0.5
    y = points[..., 1] - 0.5
    angle = rect[:, None, 4]
    cos, sin = _f(torch.cos, angle), _f(torch.sin, angle)
    new_x = (cos * x - sin * y) * rect[:, None, 2] + rect[:, None, 0]
    new_y = (sin * x + cos * y) * rect[:, None, 3] + rect[:, None, 1]
    return torch.stack((new_x, new_y, points[..., 2] * rect[:, None, 2]), dim=-1)


def _rotate(x, y, cos, sin):
    return x * cos - y * sin, x * sin + y * cos


def keep_tracking(
    prev_rect: torch.Tensor,
    prev_landmarks: torch.Tensor,
    recrop_rect: torch.Tensor,
    sizes: torch.Tensor,
    limits: TrackingLimits,
) -> torch.Tensor:
    """RoiTrackingCalculator: whether the previous landmarks' rect is kept over the recrop rect ([n] bool).

    Rect check and landmark check, both in the frame rotated by -recrop rotation, in pixels.
    """
    w, h = sizes[:, 0], sizes[:, 1]
    rotation = -recrop_rect[:, 4]
    cos, sin = _f(torch.cos, rotation), _f(torch.sin, rotation)
    px, py = _rotate(prev_rect[:, 0] * w, prev_rect[:, 1] * h, cos, sin)
    rx, ry = _rotate(recrop_rect[:, 0] * w, recrop_rect[:, 1] * h, cos, sin)
    prev_w, prev_h = prev_rect[:, 2] * w, prev_rect[:, 3] * h
    recrop_w, recrop_h = recrop_rect[:, 2] * w, recrop_rect[:, 3] * h
    prev_deg = (divide(prev_rect[:, 4].double(), math.pi) * 180.0).float()
    recrop_deg = (divide(recrop_rect[:, 4].double(), math.pi) * 180.0).float()
    diff = prev_deg - recrop_deg
    diff = torch.where(diff > 180.0, diff - 360.0, diff)
    diff = torch.where(diff < -180.0, diff + 360.0, diff)
    rect_ok = (
        ~(diff.abs() > limits.rotation_degrees)
        & ~((px - rx).abs() > recrop_w * limits.translation)
        & ~((py - ry).abs() > recrop_h * limits.translation)
        & ~((prev_w - recrop_w).abs() > recrop_w * limits.scale)
        & ~((prev_h - recrop_h).abs() > recrop_h * limits.scale)
    )
    half_w = recrop_w * (1.0 + limits.margin) * 0.5
    half_h = recrop_h * (1.0 + limits.margin) * 0.5
    lx = prev_landmarks[..., 0] * w[:, None]
    ly = prev_landmarks[..., 1] * h[:, None]
    lx, ly = _rotate(lx, ly, cos[:, None], sin[:, None])
    inside = (
        ((rx - half_w)[:, None] < lx)
        & (lx < (rx + half_w)[:, None])
        & ((ry - half_h)[:, None] < ly)
        & (ly < (ry + half_h)[:, None])
    )
    return rect_ok & inside.all(dim=1)
