"""SSD detectors' post-processing (spec S1.3-S1.6, S4.2, §3.8): anchors, decode, and the top cluster of the
weighted NMS, which is all Holistic consumes of it, batched over images."""

import functools

import torch

from .device import divide

# Options both detectors share (their own are in model_specs).
MIN_SCORE = 0.5
MIN_SUPPRESSION_IOU = 0.3
SCORE_CLIP = 100.0


@functools.cache
def ssd_anchor_centres(size: int, strides: tuple[int, ...], device: torch.device | str = "cpu") -> torch.Tensor:
    """SsdAnchorsCalculator's anchor centres [N, 2] in float32 (fixed anchor size 1, two anchors per cell and
    layer, equal strides merged), in the calculator's order (layer, y, x, anchor), on `device` (made once per
    device; computed on the CPU, whose division by `cells` is exact)."""
    centres = []
    layer = 0
    while layer < len(strides):
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
        per_cell = 2 * (last - layer)
        cells = -(-size // strides[layer])
        grid = (torch.arange(cells, dtype=torch.float32) + 0.5) * 1.0 / cells
        ys, xs = torch.meshgrid(grid, grid, indexing="ij")
        centres.append(torch.stack((xs, ys), dim=-1).reshape(-1, 1, 2).expand(-1, per_cell, 2).reshape(-1, 2))
        layer = last
    return torch.cat(centres).to(device)


def sigmoid_f(x: torch.Tensor) -> torch.Tensor:
    """1.0f / (1.0f + std::exp(-x)) in float, with expf taken from double."""
    return 1.0 / (1.0 + torch.exp(-x.double()).float())


def top_detection(
    raw_boxes: torch.Tensor, raw_scores: torch.Tensor, anchors: torch.Tensor, scale: float, min_score: float = MIN_SCORE
):
    """TensorsToDetections (scores below min_score dropped) + NonMaxSuppression (weighted, IoU > 0.3): the first
    output detection per image.

    raw_boxes [n, N, 4 + 2k], raw_scores [n, N, 1], anchors [N, 2] on their device. Returns (found bool [n],
    score [n], box [n, 4] as (xmin, ymin, width, height), keypoints [n, k, 2]), in the detector's input space (0..1).
    """
    score = sigmoid_f(raw_scores[..., 0].clamp(-SCORE_CLIP, SCORE_CLIP))
    cx = divide(raw_boxes[..., 0], scale) + anchors[:, 0]
    cy = divide(raw_boxes[..., 1], scale) + anchors[:, 1]
    w = divide(raw_boxes[..., 2], scale)
    h = divide(raw_boxes[..., 3], scale)
    xmin, ymin = cx - w / 2.0, cy - h / 2.0
    width, height = (cx + w / 2.0) - xmin, (cy + h / 2.0) - ymin
    keypoints = divide(raw_boxes[..., 4:].unflatten(-1, (-1, 2)), scale) + anchors[:, None, :]
    valid = (score >= min_score) & (width >= 0) & (height >= 0) & ~torch.isnan(width) & ~torch.isnan(height)
    masked = torch.where(valid, score, torch.full_like(score, -1.0))
    best_score, best = masked.max(dim=1)
    found = best_score >= min_score
    rows = torch.arange(raw_boxes.shape[0], device=raw_boxes.device)
    bx, by, bw, bh = xmin[rows, best], ymin[rows, best], width[rows, best], height[rows, best]
    # IoU of each candidate against the top one (Rectangle_f intersection, area-based union).
    ix = (torch.minimum(xmin + width, (bx + bw)[:, None]) - torch.maximum(xmin, bx[:, None])).clamp(min=0)
    iy = (torch.minimum(ymin + height, (by + bh)[:, None]) - torch.maximum(ymin, by[:, None])).clamp(min=0)
    intersection = ix * iy
    union = width * height + (bw * bh)[:, None] - intersection
    iou = torch.where(union > 0, intersection / union, torch.zeros_like(union))
    weight = torch.where(valid & (iou > MIN_SUPPRESSION_IOU), score, torch.zeros_like(score))
    total = weight.sum(dim=1)
    w_xmin = (xmin * weight).sum(1) / total
    w_ymin = (ymin * weight).sum(1) / total
    w_xmax = ((xmin + width) * weight).sum(1) / total
    w_ymax = ((ymin + height) * weight).sum(1) / total
    box = torch.stack((w_xmin, w_ymin, w_xmax - w_xmin, w_ymax - w_ymin), dim=1)
    points = (keypoints * weight[..., None, None]).sum(1) / total[:, None, None]
    return found, best_score, box, points


def remove_letterbox(box: torch.Tensor, keypoints: torch.Tensor, padding: torch.Tensor):
    """DetectionLetterboxRemovalCalculator: boxes [n, 4] and keypoints [n, k, 2] out of the padded tensor."""
    left, top = padding[:, 0], padding[:, 1]
    lr, tb = padding[:, 0] + padding[:, 2], padding[:, 1] + padding[:, 3]
    xmin, ymin = (box[:, 0] - left) / (1.0 - lr), (box[:, 1] - top) / (1.0 - tb)
    box = torch.stack((xmin, ymin, box[:, 2] / (1.0 - lr), box[:, 3] / (1.0 - tb)), dim=1)
    x = (keypoints[..., 0] - left[:, None]) / (1.0 - lr[:, None])
    y = (keypoints[..., 1] - top[:, None]) / (1.0 - tb[:, None])
    return box, torch.stack((x, y), dim=-1)


def project_keypoints(keypoints: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """DetectionProjectionCalculator on keypoints [n, k, 2] with the crop's [n, 2, 3] matrix."""
    x, y = keypoints[..., 0], keypoints[..., 1]
    m = matrix[:, None]
    projected_x = m[..., 0, 0] * x + m[..., 0, 1] * y + m[..., 0, 2]
    projected_y = m[..., 1, 0] * x + m[..., 1, 1] * y + m[..., 1, 2]
    return torch.stack((projected_x, projected_y), dim=-1)
