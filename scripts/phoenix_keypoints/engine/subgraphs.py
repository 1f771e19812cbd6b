"""The subgraphs of MediaPipe Holistic's video graph (spec S1-S4: pose detection, pose landmarks, hands, face) on
batches of ROIs.

Every function takes the frames of the step (uint8 [B, Hmax, Wmax, 3], each frame's (W, H) in `sizes` [B, 2]),
the frame of each item (`rows`, long [n]) and that item's upstream values, and returns tensors for those n items.
The tests call them one by one with MediaPipe's own upstream values; graph.py chains them.
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from . import crop as crops
from . import detection, roi
from .device import constant, divide
from .model_specs import (
    FACE_DETECTION,
    FACE_LANDMARKS,
    HAND_LANDMARKS,
    HAND_RECROP,
    POSE_DETECTION,
    POSE_LANDMARKS,
    Crop,
    Detector,
    LandmarkModel,
    RectTransform,
)
from .tflite_torch import HOLISTIC_MODELS, load_model, mediapipe_model_path

# Pose landmarks that feed the other stages: each hand's (wrist, pinky, index), and the face's first 11.
HAND_FROM_POSE = ((15, 17, 19), (16, 18, 20))  # left, right (the person's own)
WRIST_VISIBILITY = 0.1
PRESENCE = 0.5
HEATMAP_KERNEL = 9  # the solution's effective kernel (spec §0.1), not the graph file's 7


# Crops per model call (torch_engine.chunk_size). On the CPU every size from 4 up gives each crop the same bits
# (benchmarks/engine_chunks.py, docs/engine-design.md); 4 wastes the least on padding.
DEFAULT_CHUNK_SIZE = 4


class ChunkedModel:
    """A model called on chunks of exactly `size` crops, the last one padded with zeros, so that the arithmetic a
    crop gets never depends on how many crops share its call (the kernels a convolution or a matrix product
    takes, and how they sum, depend on the batch). size None: one call on all the crops, whatever their number."""

    def __init__(self, model: torch.nn.Module, size: int | None):
        self.model, self.size = model, size

    def __call__(self, tensor: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if self.size is None:
            return self.model(tensor)
        count = len(tensor)
        padded = max(1, -(-count // self.size)) * self.size
        if padded != count:
            tensor = torch.cat((tensor, tensor.new_zeros((padded - count, *tensor.shape[1:]))))
        outputs = [self.model(chunk) for chunk in tensor.split(self.size)]
        return tuple(torch.cat(parts)[:count] for parts in zip(*outputs, strict=True))


class Models:
    """The six models of HOLISTIC_MODELS as batched torch modules on one device, each called in chunks of
    `chunk_size` crops (None: on all of a step's crops at once), from models_dir (a folder laid out as the
    mediapipe package) or by default the installed mediapipe wheel."""

    def __init__(
        self,
        device: torch.device | str = "cpu",
        *,
        chunk_size: int | None = DEFAULT_CHUNK_SIZE,
        models_dir: str | Path | None = None,
    ):
        self.device = torch.device(device)
        self.chunk_size = chunk_size
        for name in HOLISTIC_MODELS:
            model = load_model(mediapipe_model_path(name, models_dir)).to(self.device)
            setattr(self, name, ChunkedModel(model, chunk_size))


def _crop_roi(frames, sizes, rows, rois, spec: Crop):
    """ImageToTensor on normalised ROIs: (tensor, letterbox padding, the padded ROI in pixels)."""
    roi_px = crops.roi_to_pixels(rois, sizes[rows])
    if spec.keep_aspect:
        roi_px, padding = crops.pad_roi(roi_px)
    else:
        padding = torch.zeros(len(rows), 4, device=rois.device)
    return crops.crop(frames, sizes, rows, roi_px, spec.side, spec.value_range, spec.zero_border), padding, roi_px


def _landmarks(raw: torch.Tensor, model: LandmarkModel) -> torch.Tensor:
    """TensorsToLandmarks: x, y, z of the model's [n, landmarks * dims] raw values, normalised by its crop side."""
    values = raw.reshape(raw.shape[0], model.landmarks, -1)
    side = model.crop.side
    x = divide(values[..., 0], side)
    y = divide(values[..., 1], side)
    z = divide(divide(values[..., 2], side), model.z_scale) if values.shape[-1] > 2 else torch.zeros_like(x)
    return torch.stack((x, y, z), dim=-1)


def _top_detection(model: ChunkedModel, detector: Detector, tensor: torch.Tensor, min_score=detection.MIN_SCORE):
    """The detector's first detection per crop (detection.top_detection), in its input space."""
    raw_boxes, raw_scores = model(tensor)
    side = detector.crop.side
    anchors = detection.ssd_anchor_centres(side, detector.strides, tensor.device)
    return detection.top_detection(raw_boxes, raw_scores, anchors, float(side), min_score)


@dataclass
class PoseDetection:
    found: torch.Tensor  # bool [n]
    score: torch.Tensor  # [n]
    box: torch.Tensor  # [n, 4] (xmin, ymin, width, height), normalised to the image
    keypoints: torch.Tensor  # [n, 4, 2]
    roi: torch.Tensor  # [n, 5]: the pose ROI where found


@dataclass(frozen=True)
class Confidence:
    """Holistic's two settings: min_detection_confidence is the pose detector's score threshold,
    min_tracking_confidence the pose landmark model's presence threshold (hands and face keep their own 0.5)."""

    detection: float = detection.MIN_SCORE
    tracking: float = PRESENCE


DEFAULT_CONFIDENCE = Confidence()


def detect_pose(models: Models, frames, sizes, rows, min_score: float = detection.MIN_SCORE) -> PoseDetection:
    """S1: pose detection on the whole frame letterboxed to 224, and the pose ROI from its first detection."""
    roi_px, padding = crops.pad_roi(crops.whole_image_rois(sizes[rows]))
    spec = POSE_DETECTION.crop
    tensor = crops.crop(frames, sizes, rows, roi_px, spec.side, spec.value_range, spec.zero_border)
    found, score, box, keypoints = _top_detection(models.pose_detection, POSE_DETECTION, tensor, min_score)
    box, keypoints = detection.remove_letterbox(box, keypoints, padding)
    return PoseDetection(found, score, box, keypoints, pose_roi_from_detection(keypoints, sizes[rows]))


def _pose_roi(points: torch.Tensor, sizes: torch.Tensor, rule: RectTransform) -> torch.Tensor:
    """Centred on point 0 (hips), side from point 1, then `rule`: both pose ROI calculators' way."""
    return roi.transform_rect(roi.alignment_points_rect(points[:, 0], points[:, 1], sizes, 90.0), sizes, rule)


def pose_roi_from_detection(keypoints: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """PoseDetectionToRoi on the detection's keypoints."""
    return _pose_roi(keypoints, sizes, POSE_DETECTION.roi)


def refine_from_heatmap(landmarks: torch.Tensor, heatmap: torch.Tensor) -> torch.Tensor:
    """RefineLandmarksFromHeatmapCalculator: x, y of [n, 39, 3] (crop space) from the heatmap [n, 64, 64, 39].

    Window 9x9 clipped to the heatmap around int(x*64), int(y*64) (truncated toward zero); refined when the
    largest sigmoid in it is >= 0.5; the mean uses integer cell indices (no half-cell offset).
    """
    n, height, width, channels = heatmap.shape
    # NaN to -1, outside as .long() makes it on CPU (INT64_MIN); on CUDA .long() gives 0, inside.
    col = torch.trunc(landmarks[..., 0] * width).nan_to_num(nan=-1.0).long()
    row = torch.trunc(landmarks[..., 1] * height).nan_to_num(nan=-1.0).long()
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    half = HEATMAP_KERNEL // 2
    offsets = torch.arange(-half, half + 1, device=heatmap.device)
    rows = row[..., None, None] + offsets[:, None]  # [n, 39, k, 1]
    cols = col[..., None, None] + offsets[None, :]  # [n, 39, 1, k]
    valid = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    index = (rows.clamp(0, height - 1) * width + cols.clamp(0, width - 1)) * channels
    index = index + torch.arange(channels, device=heatmap.device)[:, None, None]
    values = heatmap.reshape(n, -1).gather(1, index.reshape(n, -1)).reshape(index.shape)
    confidence = torch.where(valid, detection.sigmoid_f(values), torch.zeros_like(values))
    total = confidence.sum(dim=(-2, -1))
    weighted_col = (cols * confidence).sum(dim=(-2, -1))
    weighted_row = (rows * confidence).sum(dim=(-2, -1))
    refine = inside & (confidence.amax(dim=(-2, -1)) >= 0.5) & (total > 0)
    x = torch.where(refine, weighted_col / width / total, landmarks[..., 0])
    y = torch.where(refine, weighted_row / height / total, landmarks[..., 1])
    return torch.stack((x, y, landmarks[..., 2]), dim=-1)


@dataclass
class PoseLandmarks:
    present: torch.Tensor  # bool [n]: pose flag > the threshold (min_tracking_confidence)
    landmarks: torch.Tensor  # [n, 35, 3]: 33 pose + 2 auxiliary, normalised to the image, unfiltered
    visibility: torch.Tensor  # [n, 35]


def pose_landmarks(models: Models, frames, sizes, rows, rois, threshold: float = PRESENCE) -> PoseLandmarks:
    """S2.1-S2.6: pose landmark model on the ROI crop, heatmap refinement, letterbox removal and projection."""
    tensor, padding, _ = _crop_roi(frames, sizes, rows, rois, POSE_LANDMARKS.crop)
    raw, flag, _, heatmap, _ = models.pose_landmark_full(tensor)
    present = flag[:, 0].double() > threshold
    values = raw.reshape(-1, POSE_LANDMARKS.landmarks, 5)
    landmarks = refine_from_heatmap(_landmarks(raw, POSE_LANDMARKS), heatmap)
    landmarks = roi.project(roi.remove_letterbox(landmarks, padding), rois)
    visibility = detection.sigmoid_f(values[..., 3])
    return PoseLandmarks(present, landmarks[:, :35], visibility[:, :35])


def object_scale(aux: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """The filters' OBJECT_SCALE_ROI from the raw auxiliary landmarks: (w*W + h*H) / 2 in pixels."""
    rect = roi.alignment_points_rect(aux[:, 0], aux[:, 1], sizes, 90.0)
    return (rect[:, 2] * sizes[:, 0] + rect[:, 3] * sizes[:, 1]) / 2.0


def pose_roi_from_landmarks(aux: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """PoseLandmarksToRoi on the filtered auxiliary landmarks: next frame's pose ROI."""
    return _pose_roi(aux, sizes, POSE_LANDMARKS.roi)


def hand_rois_from_pose(pose: torch.Tensor, visibility: torch.Tensor, sizes: torch.Tensor):
    """S3.1-S3.2 for both hands: (visible bool [n, 2], ROI from pose [n, 2, 5]); pose and visibility smoothed."""
    index = constant(HAND_FROM_POSE, torch.long, pose.device)
    points = pose[:, index, :2]  # [n, 2, 3 (wrist, pinky, index), 2]
    visible = visibility[:, index[:, 0]].double() > WRIST_VISIBILITY
    side_sizes = sizes[:, None].expand(-1, 2, -1)
    rect = roi.hand_rect_from_pose(points[:, :, 0], points[:, :, 1], points[:, :, 2], side_sizes)
    return visible, roi.transform_rect(rect, side_sizes, HAND_RECROP.roi_from_pose)


def hand_recrop(models: Models, frames, sizes, rows, rois) -> torch.Tensor:
    """S3.3: the recrop model on the ROI from pose, and the hand ROI it gives [n, 5]."""
    tensor, padding, _ = _crop_roi(frames, sizes, rows, rois, HAND_RECROP.crop)
    (raw,) = models.hand_recrop(tensor)
    points = roi.project(roi.remove_letterbox(_landmarks(raw, HAND_RECROP), padding), rois)
    rect = roi.alignment_points_rect(points[:, 0, :2], points[:, 1, :2], sizes[rows], -90.0)
    return roi.transform_rect(rect, sizes[rows], HAND_RECROP.roi)


def hand_roi_from_landmarks(landmarks: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """HandLandmarksToRoi: the previous frame's hand landmarks [n, 21, 3] to a tracking ROI."""
    return roi.transform_rect(roi.hand_rect_from_landmarks(landmarks, sizes), sizes, HAND_LANDMARKS.roi)


def _tracked(prev_roi, prev_landmarks, prev_valid, new_roi, sizes, limits) -> tuple[torch.Tensor, torch.Tensor]:
    """RoiTracking: (ROI, kept bool [n]): the previous landmarks' ROI where it is kept (roi.keep_tracking with
    these limits), else the new one."""
    keep = prev_valid & roi.keep_tracking(prev_roi, prev_landmarks, new_roi, sizes, limits)
    return torch.where(keep[:, None], prev_roi, new_roi), keep


def track_hand(prev_landmarks, prev_valid, recrop_roi, sizes) -> tuple[torch.Tensor, torch.Tensor]:
    """S3.4 HandTracking: the previous landmarks' ROI where RoiTracking keeps it, else the recrop ROI."""
    prev_roi = hand_roi_from_landmarks(prev_landmarks, sizes)
    return _tracked(prev_roi, prev_landmarks, prev_valid, recrop_roi, sizes, HAND_LANDMARKS.tracking)


def hand_landmarks(models: Models, frames, sizes, rows, rois) -> tuple[torch.Tensor, torch.Tensor]:
    """S3.5: (present bool [n], landmarks [n, 21, 3]) from the hand landmark model on the tracking ROI."""
    tensor, padding, _ = _crop_roi(frames, sizes, rows, rois, HAND_LANDMARKS.crop)
    raw, flag, _, _ = models.hand_landmark_full(tensor)
    landmarks = roi.project(roi.remove_letterbox(_landmarks(raw, HAND_LANDMARKS), padding), rois)
    return flag[:, 0].double() > PRESENCE, landmarks


def face_roi_from_pose(pose: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """S4.1: bbox of pose landmarks 0-10, rotation right eye -> left eye, then the face detector's rule."""
    return roi.transform_rect(
        roi.rect_from_landmarks_bbox(pose[:, :11, :2], 5, 2, sizes), sizes, FACE_DETECTION.roi_from_pose
    )


def detect_face(models: Models, frames, sizes, rows, rois) -> tuple[torch.Tensor, torch.Tensor]:
    """S4.2-S4.3: (found bool [n], face ROI from the first detection [n, 5]) on the ROI from pose."""
    tensor, _, roi_px = _crop_roi(frames, sizes, rows, rois, FACE_DETECTION.crop)
    found, _, _, keypoints = _top_detection(models.face_detection_short_range, FACE_DETECTION, tensor)
    keypoints = detection.project_keypoints(keypoints, crops.subrect_matrix(roi_px, sizes[rows]))
    rect = roi.rect_from_keypoints(keypoints, 0, 1, sizes[rows])
    return found, roi.transform_rect(rect, sizes[rows], FACE_DETECTION.roi)


def face_roi_from_landmarks(landmarks: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """FaceLandmarksToRoi: bbox of the 468 landmarks, rotation 33 -> 263, then the face landmark model's rule."""
    return roi.transform_rect(
        roi.rect_from_landmarks_bbox(landmarks[..., :2], 33, 263, sizes), sizes, FACE_LANDMARKS.roi
    )


def track_face(prev_landmarks, prev_valid, detection_roi, sizes) -> tuple[torch.Tensor, torch.Tensor]:
    """S4.4 FaceTracking: the previous landmarks' ROI where RoiTracking keeps it, else the detection ROI."""
    prev_roi = face_roi_from_landmarks(prev_landmarks, sizes)
    return _tracked(prev_roi, prev_landmarks, prev_valid, detection_roi, sizes, FACE_LANDMARKS.tracking)


def face_landmarks(models: Models, frames, sizes, rows, rois) -> tuple[torch.Tensor, torch.Tensor]:
    """S4.5: (present bool [n], landmarks [n, 468, 3]); its crop keeps no aspect ratio (no letterbox)."""
    tensor, _, _ = _crop_roi(frames, sizes, rows, rois, FACE_LANDMARKS.crop)
    raw, flag = models.face_landmark(tensor)
    present = detection.sigmoid_f(flag.reshape(-1)).double() > PRESENCE
    return present, roi.project(_landmarks(raw, FACE_LANDMARKS), rois)
