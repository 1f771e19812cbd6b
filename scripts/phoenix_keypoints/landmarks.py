"""Convert one MediaPipe Holistic result into a [143, 3] array and presence flags."""

import numpy as np

from .layout import FACE_68_FROM_MESH, NUM_COORDS, NUM_POINTS, PART_NAMES, PARTS


def _points(landmark_list, indices=None) -> list[tuple[float, float, float]]:
    landmarks = landmark_list.landmark
    if indices is not None:
        landmarks = [landmarks[i] for i in indices]
    return [(p.x, p.y, p.z) for p in landmarks]


def results_to_keypoints(results) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints float32 [143, 3] (zeros where a part is missing) and presence bool [4].

    Left and right are the signer's own hands, as MediaPipe names them.
    """
    keypoints = np.zeros((NUM_POINTS, NUM_COORDS), dtype=np.float32)
    presence = np.zeros(len(PART_NAMES), dtype=bool)
    sources = {
        "face": (results.face_landmarks, FACE_68_FROM_MESH),
        "left_hand": (results.left_hand_landmarks, None),
        "right_hand": (results.right_hand_landmarks, None),
        "pose": (results.pose_landmarks, None),
    }
    for part_index, name in enumerate(PART_NAMES):
        landmark_list, indices = sources[name]
        if landmark_list is None:
            continue
        start, count = PARTS[name]
        points = _points(landmark_list, indices)
        if len(points) != count:
            raise ValueError(f"MediaPipe returned {len(points)} {name} points, expected {count}")
        keypoints[start : start + count] = points
        presence[part_index] = True
    return keypoints, presence
