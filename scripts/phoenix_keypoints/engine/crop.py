"""ImageToTensorCalculator's CPU crop (graph spec §3.1), batched in torch and bit-exact with MediaPipe's OpenCV 3.4.

MediaPipe maps the ROI's four corners onto the tensor's corners with cv::getPerspectiveTransform and samples with
cv::warpPerspective (INTER_LINEAR) on the uint8 frame, then normalises. The arithmetic is OpenCV's own: float32
box points, the 8x8 system solved by OpenCV's LU, the 3x3 inverse in closed form, source coordinates evaluated in
64-px blocks and rounded to 1/32 px, 15-bit integer bilinear weights, uint8 rounding. opencv >= 4.11 changed these
kernels, so this is written out rather than called.
"""

import math

import torch

from .device import constant, divide

INTER_BITS = 5
INTER_TAB_SIZE = 1 << INTER_BITS
REMAP_COEF_BITS = 15
BLOCK_SIZE = 32  # warpPerspective's BLOCK_SZ: it evaluates coordinates block by block
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
SHORT_MIN, SHORT_MAX = -(2**15), 2**15 - 1


def roi_to_pixels(rois: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """GetRoi: normalised rects [n, 5] (cx, cy, w, h, rotation) to pixels, in float32 as MediaPipe stores them."""
    width, height = sizes[:, 0].float(), sizes[:, 1].float()
    return torch.stack(
        (rois[:, 0] * width, rois[:, 1] * height, rois[:, 2] * width, rois[:, 3] * height, rois[:, 4]), dim=1
    )


def whole_image_rois(sizes: torch.Tensor) -> torch.Tensor:
    """GetRoi without a ROI: the whole image, in pixels."""
    width, height = sizes[:, 0].float(), sizes[:, 1].float()
    return torch.stack((0.5 * width, 0.5 * height, width, height, torch.zeros_like(width)), dim=1)


def pad_roi(roi_px: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """PadRoi for a square tensor (keep_aspect_ratio): the ROI widened to square, and the padding [l, t, r, b]."""
    width, height = roi_px[:, 2], roi_px[:, 3]
    aspect = height / width
    taller = ~(aspect < 1.0)  # C++ pads vertically only when the tensor's aspect 1 > the ROI's
    zero = torch.zeros_like(aspect)
    vertical = torch.where(taller, zero, (1.0 - aspect) / 2.0)
    horizontal = torch.where(taller, (1.0 - 1.0 / aspect) / 2.0, zero)
    side = torch.where(taller, height, width)
    padded = torch.cat((roi_px[:, :2], side[:, None], side[:, None], roi_px[:, 4:]), dim=1)
    return padded, torch.stack((horizontal, vertical, horizontal, vertical), dim=1)


def box_points(roi_px: torch.Tensor) -> torch.Tensor:
    """cv::boxPoints of cv::RotatedRect(center, size, rotation * 180.f / M_PI): [n, 4, 2] float32."""
    cx, cy, w, h, rotation = roi_px.unbind(1)
    degrees = divide((rotation * 180.0).double(), math.pi).float()
    radians = divide(degrees.double() * math.pi, 180.0)
    b = torch.cos(radians).float() * 0.5
    a = torch.sin(radians).float() * 0.5
    p0 = torch.stack((cx - a * h - b * w, cy + b * h - a * w), dim=1)
    p1 = torch.stack((cx + a * h - b * w, cy - b * h - a * w), dim=1)
    centre2 = torch.stack((2 * cx, 2 * cy), dim=1)
    return torch.stack((p0, p1, centre2 - p0, centre2 - p1), dim=1)


def perspective_transform(src: torch.Tensor, size: int) -> torch.Tensor:
    """cv::getPerspectiveTransform(src, tensor corners) [n, 3, 3] float64: the 8x8 system solved by OpenCV's LUImpl."""
    n = src.shape[0]
    t = float(size)
    dst = constant(((0.0, t), (0.0, 0.0), (t, 0.0), (t, t)), src.dtype, src.device).expand(n, 4, 2)
    sx, sy = src[..., 0], src[..., 1]
    dx, dy = dst[..., 0], dst[..., 1]
    a = src.new_zeros((n, 8, 8), dtype=torch.float64)
    a[:, :4, 0] = sx.double()
    a[:, :4, 1] = sy.double()
    a[:, :4, 2] = 1.0
    a[:, 4:, 3] = sx.double()
    a[:, 4:, 4] = sy.double()
    a[:, 4:, 5] = 1.0
    # Products of two floats, rounded to float, then widened (OpenCV's Point2f arithmetic).
    a[:, :4, 6] = (-sx * dx).double()
    a[:, :4, 7] = (-sy * dx).double()
    a[:, 4:, 6] = (-sx * dy).double()
    a[:, 4:, 7] = (-sy * dy).double()
    b = torch.cat((dx, dy), dim=1).double()
    rows = torch.arange(n, device=src.device)
    for i in range(8):
        # Partial pivoting: the first row with the strictly largest |a_ji| (argmax returns the first maximum).
        k = i + torch.argmax(a[:, i:, i].abs(), dim=1)
        # Row swap: indexing with `rows` makes copies, so both sides are read before either is written.
        a[rows, i], a[rows, k] = a[rows, k], a[rows, i]
        b[rows, i], b[rows, k] = b[rows, k], b[rows, i]
        d = -1.0 / a[:, i, i]
        alpha = a[:, i + 1 :, i] * d[:, None]
        a[:, i + 1 :, i + 1 :] += alpha[:, :, None] * a[:, i, None, i + 1 :]
        b[:, i + 1 :] += alpha * b[:, i, None]
    for i in range(7, -1, -1):
        s = b[:, i]
        for k in range(i + 1, 8):
            s = s - a[:, i, k] * b[:, k]
        b[:, i] = s / a[:, i, i]
    return torch.cat((b, torch.ones_like(b[:, :1])), dim=1).reshape(n, 3, 3)


def invert3x3(m: torch.Tensor) -> torch.Tensor:
    """cv::invert(DECOMP_LU) of a 3x3 matrix: the closed form over the determinant, in float64."""

    def e(i, j):
        return m[:, i, j]

    det = (
        e(0, 0) * (e(1, 1) * e(2, 2) - e(1, 2) * e(2, 1))
        - e(0, 1) * (e(1, 0) * e(2, 2) - e(1, 2) * e(2, 0))
        + e(0, 2) * (e(1, 0) * e(2, 1) - e(1, 1) * e(2, 0))
    )
    d = 1.0 / det
    inverse = (
        (e(1, 1) * e(2, 2) - e(1, 2) * e(2, 1)) * d,
        (e(0, 2) * e(2, 1) - e(0, 1) * e(2, 2)) * d,
        (e(0, 1) * e(1, 2) - e(0, 2) * e(1, 1)) * d,
        (e(1, 2) * e(2, 0) - e(1, 0) * e(2, 2)) * d,
        (e(0, 0) * e(2, 2) - e(0, 2) * e(2, 0)) * d,
        (e(0, 2) * e(1, 0) - e(0, 0) * e(1, 2)) * d,
        (e(1, 0) * e(2, 1) - e(1, 1) * e(2, 0)) * d,
        (e(0, 1) * e(2, 0) - e(0, 0) * e(2, 1)) * d,
        (e(0, 0) * e(1, 1) - e(0, 1) * e(1, 0)) * d,
    )
    return torch.stack(inverse, dim=1).reshape(-1, 3, 3)


def source_coordinates(inverse: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """warpPerspective's fixed-point source coordinates [n, T, T] (int64, in 1/32 px) for each tensor pixel.

    OpenCV evaluates X0 = M0*xb + M1*y + M2 at the start xb of each block of columns and adds M0*x1 per pixel,
    in double, then rounds (X0 + M0*x1) * (32 / W) half to even; the block start changes the rounding.
    """
    block_rows = min(BLOCK_SIZE // 2, size)
    block_cols = min(BLOCK_SIZE * BLOCK_SIZE // block_rows, size)
    blocks = -(-size // block_cols)
    f64 = dict(device=inverse.device, dtype=torch.float64)
    block_start = (torch.arange(blocks, **f64) * block_cols)[None, None, :, None]
    offset = torch.arange(block_cols, **f64)
    rows = torch.arange(size, **f64)[None, :, None, None]
    m = inverse.reshape(-1, 9)[:, :, None, None, None]
    # Per row and block [n, T, blocks, 1], then per pixel [n, T, blocks, block_cols], cut to T columns.
    x0 = m[:, 0] * block_start + m[:, 1] * rows + m[:, 2]
    y0 = m[:, 3] * block_start + m[:, 4] * rows + m[:, 5]
    w0 = m[:, 6] * block_start + m[:, 7] * rows + m[:, 8]

    def per_pixel(start: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        return (start + step * offset).flatten(2)[..., :size]

    w = per_pixel(w0, m[:, 6])
    w = torch.where(w != 0, INTER_TAB_SIZE / w, torch.zeros_like(w))
    # NaN to INT_MIN, outside the frame as .long() makes it on CPU; on CUDA .long() gives 0, inside.
    fx = (per_pixel(x0, m[:, 0]) * w).clamp(INT_MIN, INT_MAX).nan_to_num(nan=INT_MIN)
    fy = (per_pixel(y0, m[:, 3]) * w).clamp(INT_MIN, INT_MAX).nan_to_num(nan=INT_MIN)
    return torch.round(fx).long(), torch.round(fy).long()


def remap_bilinear(
    frames: torch.Tensor, sizes: torch.Tensor, rows: torch.Tensor, fx: torch.Tensor, fy: torch.Tensor, zero_border: bool
) -> torch.Tensor:
    """remapBilinear on uint8 with 15-bit weights: [n, T, T, 3] uint8, from frames [B, Hmax, Wmax, 3]."""
    sx = (fx >> INTER_BITS).clamp(SHORT_MIN, SHORT_MAX).int()
    sy = (fy >> INTER_BITS).clamp(SHORT_MIN, SHORT_MAX).int()
    ax = (fx & (INTER_TAB_SIZE - 1)).int()[..., None]
    ay = (fy & (INTER_TAB_SIZE - 1)).int()[..., None]
    width = sizes[rows, 0].int()[:, None, None]
    height = sizes[rows, 1].int()[:, None, None]
    pixels = frames.reshape(-1, 3)
    # Flat pixel indices in int32 (faster) while the largest fits, else int64.
    index_dtype = torch.int32 if pixels.shape[0] - 1 <= INT_MAX else torch.int64
    # Column and row of each neighbour, clamped into the frame (REPLICATE), and whether they are inside (ZERO).
    columns = [torch.minimum((sx + d).clamp(min=0), width - 1) for d in (0, 1)]
    row_starts = [
        (rows.to(index_dtype)[:, None, None] * frames.shape[1] + torch.minimum((sy + d).clamp(min=0), height - 1))
        * frames.shape[2]
        for d in (0, 1)
    ]
    if zero_border:
        inside_x = [((sx + d) >= 0) & ((sx + d) < width) for d in (0, 1)]
        inside_y = [((sy + d) >= 0) & ((sy + d) < height) for d in (0, 1)]

    def neighbour(dx: int, dy: int) -> torch.Tensor:
        values = pixels.index_select(0, (row_starts[dy] + columns[dx]).reshape(-1)).reshape(sx.shape + (3,)).int()
        if zero_border:
            values *= (inside_x[dx] & inside_y[dy])[..., None]
        return values

    # OpenCV's table weights are (32 - ax)(32 - ay) * 32 and so on (exact, summing to 2^15); their weighted sum
    # factors into two 1-D interpolations in integers, which is the same integer.
    top = (INTER_TAB_SIZE - ax) * neighbour(0, 0) + ax * neighbour(1, 0)
    bottom = (INTER_TAB_SIZE - ax) * neighbour(0, 1) + ax * neighbour(1, 1)
    total = ((INTER_TAB_SIZE - ay) * top + ay * bottom) * INTER_TAB_SIZE
    return ((total + (1 << (REMAP_COEF_BITS - 1))) >> REMAP_COEF_BITS).clamp(0, 255).to(torch.uint8)


def crop(
    frames: torch.Tensor,
    sizes: torch.Tensor,
    rows: torch.Tensor,
    roi_px: torch.Tensor,
    size: int,
    value_range: tuple[float, float],
    zero_border: bool,
) -> torch.Tensor:
    """The tensor MediaPipe feeds a model: float32 [n, T, T, 3] from the (already padded) ROIs in pixels [n, 5].

    frames: uint8 [B, Hmax, Wmax, 3], each frame at the top left with its (W, H) in sizes [B, 2]; rows: the frame
    of each ROI. zero_border: BORDER_ZERO (else REPLICATE). The uint8 result is normalised as convertTo does.
    """
    matrix = perspective_transform(box_points(roi_px), size)
    fx, fy = source_coordinates(invert3x3(matrix), size)
    pixels = remap_bilinear(frames, sizes, rows, fx, fy, zero_border)
    low, high = value_range
    return pixels.float() * ((high - low) / 255.0) + low


def subrect_matrix(roi_px: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """GetRotatedSubRectToRectTransformMatrix: [n, 2, 3] float32 mapping crop to image coordinates (normalised)."""
    cx, cy, a, b, rotation = roi_px.unbind(1)
    c = torch.cos(rotation.double()).float()
    d = torch.sin(rotation.double()).float()
    g = 1.0 / sizes[:, 0].float()
    h = 1.0 / sizes[:, 1].float()
    row0 = (a * c * g, -b * d * g, (-0.5 * a * c + 0.5 * b * d + cx) * g)
    row1 = (a * d * h, b * c * h, (-0.5 * b * c - 0.5 * a * d + cy) * h)
    return torch.stack((torch.stack(row0, dim=1), torch.stack(row1, dim=1)), dim=1)
