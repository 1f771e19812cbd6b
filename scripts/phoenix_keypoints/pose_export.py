"""Write keypoints as .pose files (pose-format, the sign-language-processing tools' format).

Components and point names follow pose_format.utils.holistic: POSE_LANDMARKS,
FACE_LANDMARKS, LEFT_HAND_LANDMARKS, RIGHT_HAND_LANDMARKS. Our face has 68 of the
468 mesh points, named by their mesh index as pose-format names face points, and
drawn with the iBUG-300W outlines. Coordinates are pixels (x * width, y * height,
z as MediaPipe gives it), as pose-format's holistic loader stores them; a point's
confidence is 1 where its part was detected and 0 where not.
"""

from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .keypoint_sets import video_slices
from .layout import FACE_68_FROM_MESH, PART_NAMES, part_slice
from .skeleton import FACE_EDGES

# pose-format component -> our part, in pose-format's holistic order.
COMPONENT_PARTS = {
    "POSE_LANDMARKS": "pose",
    "FACE_LANDMARKS": "face",
    "LEFT_HAND_LANDMARKS": "left_hand",
    "RIGHT_HAND_LANDMARKS": "right_hand",
}
POINT_FORMAT = "XYZC"


def pose_header(width: int, height: int):
    from pose_format.pose_header import PoseHeader, PoseHeaderComponent, PoseHeaderDimensions
    from pose_format.utils.holistic import holistic_components

    holistic = {component.name: component for component in holistic_components(POINT_FORMAT)}
    face = PoseHeaderComponent(
        name="FACE_LANDMARKS",
        points=[str(index) for index in FACE_68_FROM_MESH],
        limbs=list(FACE_EDGES),
        colors=holistic["FACE_LANDMARKS"].colors,
        point_format=POINT_FORMAT,
    )
    components = [face if name == "FACE_LANDMARKS" else holistic[name] for name in COMPONENT_PARTS]
    return PoseHeader(version=0.2, dimensions=PoseHeaderDimensions(width, height), components=components)


def video_pose(keypoints: np.ndarray, presence: np.ndarray, width: int, height: int, fps: float):
    """One video's keypoints [n, 143, 3] and presence [n, 4] as a pose_format Pose."""
    from pose_format import Pose
    from pose_format.numpy import NumPyPoseBody

    order = [part_slice(part) for part in COMPONENT_PARTS.values()]
    data = np.concatenate([keypoints[:, rows] for rows in order], axis=1) * np.float32([width, height, 1])
    confidence = np.concatenate(
        [
            np.repeat(presence[:, [PART_NAMES.index(part)]], rows.stop - rows.start, axis=1)
            for part, rows in zip(COMPONENT_PARTS.values(), order, strict=True)
        ],
        axis=1,
    ).astype(np.float32)
    body = NumPyPoseBody(fps=fps, data=data[:, np.newaxis].astype(np.float32), confidence=confidence[:, np.newaxis])
    return Pose(pose_header(width, height), body)


def export_split(split: str, arrays: dict, out_dir: str | Path, fps: float) -> list[Path]:
    """One .pose file per video of a split's arrays: out_dir/<split>/<video_id>.pose, at the video file's own
    frame rate, or `fps` for a folder of frames (which has none)."""
    written = []
    per_video = zip(
        arrays["video_widths"].tolist(), arrays["video_heights"].tolist(), arrays["video_fps"].tolist(), strict=True
    )
    for (name, rows), (width, height, own_fps) in zip(video_slices(arrays).items(), per_video, strict=True):
        pose = video_pose(arrays["keypoints"][rows], arrays["presence"][rows], width, height, own_fps or fps)
        path = Path(out_dir) / split / f"{name}.pose"
        with atomic_path(path) as temp, open(temp, "wb") as stream:
            pose.write(stream)
        written.append(path)
    return written
