"""The 143-point keypoint layout: 68 face, 21 left hand, 21 right hand, 33 pose."""

# The 68 face-mesh indices most used in public code, in dlib/iBUG-300W order
# (jaw, brows, nose, eyes, mouth).
FACE_68_FROM_MESH = (
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
    71, 63, 105, 66, 107, 336, 296, 334, 293, 301,
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87,
)  # fmt: skip

# Part name -> (first point, number of points), in storage order.
PARTS = {
    "face": (0, 68),
    "left_hand": (68, 21),
    "right_hand": (89, 21),
    "pose": (110, 33),
}
PART_NAMES = tuple(PARTS)
NUM_POINTS = 143
NUM_COORDS = 3


def part_slice(name: str) -> slice:
    """The rows of a [143, 3] array that hold the named part."""
    start, count = PARTS[name]
    return slice(start, start + count)
