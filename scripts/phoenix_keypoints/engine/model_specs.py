"""What Holistic's graph (spec §2-§4) feeds each of its six models and makes of their outputs, one table per
model: the crop (ImageToTensor), the landmark count, the ROI rules (RectTransformation) and RoiTracking's
limits. The subgraphs and the tests' LiteRT reference read them here; importing this module needs no torch."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Crop:
    """ImageToTensor: a side x side crop of the ROI, values scaled to value_range; outside the frame zeros
    (BORDER_ZERO) or else the edge pixels (BORDER_REPLICATE); letterboxed to keep the ROI's aspect ratio, or
    stretched to the square."""

    side: int
    value_range: tuple[float, float]
    zero_border: bool
    keep_aspect: bool = True


@dataclass(frozen=True)
class RectTransform:
    """RectTransformationCalculator (square_long, shift_x 0): the rect shifted by shift_y of its height along
    its rotation, its long side scaled by `scale`."""

    scale: float
    shift_y: float = 0.0


@dataclass(frozen=True)
class TrackingLimits:
    """RoiTrackingCalculator: the previous landmarks' ROI is kept while it is within rotation_degrees of the new
    ROI, its centre within `translation` and its sides within `scale` of the new ROI's sides, and every previous
    landmark inside the new ROI grown by `margin` (negative: shrunk)."""

    rotation_degrees: float
    translation: float
    scale: float
    margin: float


@dataclass(frozen=True)
class Detector:
    """An SSD detector: its crop (crop.side is also the anchors' input size), its anchors' strides
    (detection.ssd_anchor_centres), the ROI made from its first detection, and the one from pose landmarks it
    runs on (None: the whole frame)."""

    crop: Crop
    strides: tuple[int, ...]
    roi: RectTransform
    roi_from_pose: RectTransform | None = None


@dataclass(frozen=True)
class LandmarkModel:
    """A landmark model: its crop, the landmarks it outputs (TensorsToLandmarks, z divided by z_scale), the ROI
    made from them, the one from pose landmarks it runs on (None: made elsewhere), and RoiTracking's limits where
    the next frame may keep that ROI instead of a new one."""

    crop: Crop
    landmarks: int
    roi: RectTransform
    roi_from_pose: RectTransform | None = None
    z_scale: float = 1.0
    tracking: TrackingLimits | None = None


POSE_DETECTION = Detector(
    Crop(224, (-1.0, 1.0), zero_border=True), strides=(8, 16, 32, 32, 32), roi=RectTransform(1.25)
)
# 33 pose landmarks, 2 auxiliary ones (the next ROI's), 4 unused.
POSE_LANDMARKS = LandmarkModel(Crop(256, (0.0, 1.0), zero_border=False), landmarks=39, roi=RectTransform(1.25))
HAND_RECROP = LandmarkModel(
    Crop(256, (0.0, 1.0), zero_border=False),
    landmarks=2,
    roi=RectTransform(1.0, shift_y=-0.1),
    roi_from_pose=RectTransform(2.7, shift_y=-0.1),
)
HAND_LANDMARKS = LandmarkModel(
    Crop(224, (0.0, 1.0), zero_border=False),
    landmarks=21,
    roi=RectTransform(2.0, shift_y=-0.1),
    z_scale=0.4,
    tracking=TrackingLimits(rotation_degrees=40.0, translation=0.2, scale=0.4, margin=-0.1),
)
FACE_DETECTION = Detector(
    Crop(128, (-1.0, 1.0), zero_border=True),
    strides=(8, 16, 16, 16),
    roi=RectTransform(2.0, shift_y=-0.1),
    roi_from_pose=RectTransform(3.0),
)
FACE_LANDMARKS = LandmarkModel(
    Crop(192, (0.0, 1.0), zero_border=False, keep_aspect=False),
    landmarks=468,
    roi=RectTransform(1.5),
    tracking=TrackingLimits(rotation_degrees=15.0, translation=0.1, scale=0.3, margin=-0.2),
)

# The tables by the model names of tflite_torch.HOLISTIC_MODELS.
MODEL_SPECS: dict[str, Detector | LandmarkModel] = {
    "pose_detection": POSE_DETECTION,
    "pose_landmark_full": POSE_LANDMARKS,
    "hand_recrop": HAND_RECROP,
    "hand_landmark_full": HAND_LANDMARKS,
    "face_detection_short_range": FACE_DETECTION,
    "face_landmark": FACE_LANDMARKS,
}
