"""Which keypoints are joined by a line, per part, in the part's own point numbering.

Hands and pose: MediaPipe's own connection tables. Face: the 68 points are in
iBUG-300W order (see layout.FACE_68_FROM_MESH), drawn as its usual outlines.
"""

from mediapipe.python.solutions.hands_connections import HAND_CONNECTIONS
from mediapipe.python.solutions.pose_connections import POSE_CONNECTIONS

# (first point, last point, closed) of each iBUG-300W outline.
FACE_68_OUTLINES = (
    (0, 16, False),  # jaw
    (17, 21, False),  # right brow
    (22, 26, False),  # left brow
    (27, 30, False),  # nose bridge
    (31, 35, False),  # nostrils
    (36, 41, True),  # right eye
    (42, 47, True),  # left eye
    (48, 59, True),  # outer lips
    (60, 67, True),  # inner lips
)


def _outline_edges(outlines) -> tuple[tuple[int, int], ...]:
    edges = []
    for first, last, closed in outlines:
        edges += [(i, i + 1) for i in range(first, last)]
        if closed:
            edges.append((last, first))
    return tuple(edges)


FACE_EDGES = _outline_edges(FACE_68_OUTLINES)
HAND_EDGES = tuple(sorted(HAND_CONNECTIONS))
POSE_EDGES = tuple(sorted(POSE_CONNECTIONS))
PART_EDGES = {"face": FACE_EDGES, "left_hand": HAND_EDGES, "right_hand": HAND_EDGES, "pose": POSE_EDGES}
