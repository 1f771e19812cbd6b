"""What the engine's model test and benchmark compare: real inputs, the TFLite reference, MediaPipe's decisions.

The frames come from ../shared/data (never copied into the repository): five PHOENIX-layout frames and frames
of two real signing videos whose peer .pose files place the face and the hands. Each model gets square,
axis-aligned crops of the regions MediaPipe feeds it (the whole frame letterboxed, the person, the face, the
hands) plus regions where its object is absent, so that its score and flag outputs fall on both sides of
MediaPipe's thresholds. The crops are realistic, not MediaPipe-exact (cv2.warpAffine, no rotation).
"""

from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from ..engine.model_specs import MODEL_SPECS
from . import SHARED_DATA

PHOENIX_FRAMES = [
    f"phoenix-mini/PHOENIX-2014-T/features/fullFrame-210x260px/{name}"
    for name in (
        "train/sample_asl_soup-1/images0001.png",
        "train/sample_asl_soup-2/images0010.png",
        "train/sample_asl_webcam-1/images0030.png",
        "dev/sample_asl_clip-1/images0005.png",
        "test/25October_2010_Monday_tagesschau-17/images0001.png",
    )
]
# video: (its peer's MediaPipe Holistic output, the frames used)
VIDEOS = {
    "autsl-sample/signer0_sample1000_color.mp4": ("autsl-sample/signer0_sample1000.holistic.pose", (0, 15, 30)),
    "signing-clips/FOOTBALL.mp4": ("signing-clips/FOOTBALL.pose", (5, 30, 55)),
}
# model: the regions cropped for it (its crop's side, value range and border are the engine's, MODEL_SPECS)
MODEL_REGIONS = {
    "pose_detection": ("frame",),
    "pose_landmark_full": ("person", "left_hand"),
    "hand_recrop": ("left_hand_context", "right_hand_context"),
    "hand_landmark_full": ("left_hand", "right_hand", "face"),
    "face_detection_short_range": ("face_context", "left_hand"),
    "face_landmark": ("face", "right_hand"),
}
# PHOENIX frames have no keypoints: fixed regions as (x, y, side) fractions of the frame width and height.
PHOENIX_REGIONS = {
    "person": (0.5, 0.5, 1.0),
    "face": (0.5, 0.22, 0.22),
    "face_context": (0.5, 0.25, 0.5),
    "left_hand": (0.65, 0.7, 0.3),
    "right_hand": (0.3, 0.65, 0.3),
    "left_hand_context": (0.65, 0.7, 0.5),
    "right_hand_context": (0.3, 0.65, 0.5),
}


def available() -> bool:
    return SHARED_DATA.is_dir()


def litert_outputs(path: Path, inputs: np.ndarray, xnnpack: bool = True) -> list[np.ndarray]:
    """The model's outputs, one sample at a time as MediaPipe runs it, stacked: XNNPACK or TFLite's own kernels."""
    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = Interpreter(model_path=str(path), num_threads=1, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    (tensor_in,) = interpreter.get_input_details()
    outputs = []
    for sample in inputs:
        interpreter.set_tensor(tensor_in["index"], sample[None])
        interpreter.invoke()
        outputs.append([interpreter.get_tensor(out["index"])[0] for out in interpreter.get_output_details()])
    return [np.stack(output) for output in zip(*outputs, strict=True)]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """In float32, as MediaPipe's C++ computes it: exp overflows to inf for logits below -88, giving 0."""
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x.astype(np.float32)))).astype(np.float32)


def decisions(model: str, outputs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The choices MediaPipe Holistic takes from one model's outputs (graph spec §2), per sample."""
    if model in ("pose_detection", "face_detection_short_range"):
        # TensorsToDetections: sigmoid(clip(score, ±100)) >= min_score_thresh 0.5; NMS starts at the top score.
        scores = outputs[1][..., 0]
        return {"anchor kept": _sigmoid(np.clip(scores, -100, 100)) >= 0.5, "top anchor": scores.argmax(axis=1)}
    if model == "pose_landmark_full":
        # The flag is already a sigmoid; the heatmap refine centres on each landmark's 64x64 heatmap peak.
        heatmaps = outputs[3]
        peaks = heatmaps.reshape(len(heatmaps), -1, heatmaps.shape[-1]).argmax(axis=1)
        return {"pose present": outputs[1][:, 0] > 0.5, "heatmap peak": peaks}
    if model == "hand_landmark_full":
        return {"hand present": outputs[1][:, 0] > 0.5, "right handed": outputs[2][:, 0] > 0.5}
    if model == "face_landmark":
        return {"face present": _sigmoid(outputs[1].reshape(-1)) > 0.5}
    return {}  # hand_recrop: coordinates only


def model_inputs(model: str) -> np.ndarray:
    """float32 [N, side, side, 3] crops of real frames for one of MODEL_REGIONS, as its model spec crops."""
    spec = MODEL_SPECS[model].crop
    crops = [
        _crop(frame, regions[kind], spec.side, spec.value_range, spec.zero_border)
        for frame, regions in _frames_with_regions()
        for kind in MODEL_REGIONS[model]
    ]
    return np.stack(crops)


def _frames_with_regions():
    for path in PHOENIX_FRAMES:
        frame = cv2.cvtColor(cv2.imread(str(SHARED_DATA / path)), cv2.COLOR_BGR2RGB)
        height, width = frame.shape[:2]
        regions = {kind: (x * width, y * height, s * max(width, height)) for kind, (x, y, s) in PHOENIX_REGIONS.items()}
        yield frame, regions | {"frame": (width / 2, height / 2, max(width, height))}
    for video, (pose_file, indices) in VIDEOS.items():
        points = _pose_points(SHARED_DATA / pose_file)
        capture = cv2.VideoCapture(str(SHARED_DATA / video))
        for index in indices:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = capture.read()
            assert ok, f"{video}: no frame {index}"
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), _regions(points[index], frame.shape[1], frame.shape[0])
        capture.release()


def _pose_points(path: Path) -> np.ndarray:
    """[frames, 543, 2] px: pose 33, face 468, left hand 21, right hand 21; NaN where absent."""
    from pose_format import Pose

    data = Pose.read(path.read_bytes()).body.data[:, 0, :543, :2]
    points = np.ma.filled(data.astype(np.float64), np.nan)
    points[(points == 0).all(axis=-1)] = np.nan
    return points


def _regions(points: np.ndarray, width: int, height: int) -> dict:
    pose, face, left, right = points[:33], points[33:501], points[501:522], points[522:543]

    def box(part, scale):
        low, high = np.nanmin(part, axis=0), np.nanmax(part, axis=0)
        return (*(low + high) / 2, scale * max(high - low))

    def hand(part, wrist, scale):
        # A hand the peer did not find: a crop of the same kind around the pose wrist.
        return box(part, scale) if not np.isnan(part).all() else (*pose[wrist], scale * 0.1 * height)

    return {
        "frame": (width / 2, height / 2, max(width, height)),
        "person": box(pose, 1.25),
        "face": box(face, 1.5),
        "face_context": box(face, 3.0),
        "left_hand": hand(left, 15, 2.0),
        "right_hand": hand(right, 16, 2.0),
        "left_hand_context": hand(left, 15, 3.0),
        "right_hand_context": hand(right, 16, 3.0),
    }


def _crop(frame: np.ndarray, region, side: int, value_range, zero_border: bool) -> np.ndarray:
    x, y, size = region
    scale = side / size
    matrix = np.array([[scale, 0, side / 2 - scale * x], [0, scale, side / 2 - scale * y]])
    border = cv2.BORDER_CONSTANT if zero_border else cv2.BORDER_REPLICATE
    crop = cv2.warpAffine(frame, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)
    low, high = value_range
    return (crop.astype(np.float32) / 255.0 * (high - low) + low).astype(np.float32)
