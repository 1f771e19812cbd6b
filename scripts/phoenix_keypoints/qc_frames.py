"""Quality-control pictures: the keypoints and skeleton drawn over sampled frames."""

import logging
from pathlib import Path

import cv2
import numpy as np

from .atomic import atomic_path
from .frame_folders import frame_number
from .frame_sources import REFERENCE_SEPARATOR, read_reference
from .keypoint_sets import split_of
from .layout import PART_NAMES, PARTS
from .skeleton import PART_EDGES

log = logging.getLogger(__name__)

# RGB colour of each part's points and lines; the report's captions name them.
PART_COLOURS = {
    "pose": (0, 255, 0),  # green
    "face": (255, 255, 0),  # yellow
    "left_hand": (0, 160, 255),  # blue
    "right_hand": (255, 0, 255),  # magenta
}
DRAW_ORDER = ("pose", "face", "left_hand", "right_hand")  # hands last: they often cross the body and face
POINT_RADIUS = 1
# The title band above the frame (split, video, frame) and the legend band below it (each part's colour).
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.4
LINE_HEIGHT = 14
MARGIN = 4
SWATCH = 8
BAND_COLOUR = (32, 32, 32)
TEXT_COLOUR = (255, 255, 255)


def sample_frames(video_offsets: np.ndarray, video_lengths: np.ndarray, count: int) -> list[int]:
    """Rows to draw: the middle frame of `count` videos spread evenly over the split,
    or frames spread evenly over it when it has fewer videos than that."""
    n_videos, n_frames = len(video_offsets), int(np.sum(video_lengths))
    if n_frames == 0:
        return []
    if n_videos >= count:
        chosen = ((np.arange(count) + 0.5) * n_videos / count).astype(int)
        return [int(video_offsets[v] + video_lengths[v] // 2) for v in chosen]
    return sorted(set(((np.arange(count) + 0.5) * n_frames / count).astype(int).tolist()))


def draw_keypoints(image_bgr: np.ndarray, keypoints: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """A copy of the frame with each detected part's skeleton and points drawn in its colour."""
    height, width = image_bgr.shape[:2]
    canvas = image_bgr.copy()
    pixels = np.rint(keypoints[:, :2] * (width, height)).astype(int)
    for part in DRAW_ORDER:
        if not presence[PART_NAMES.index(part)]:
            continue
        start, count = PARTS[part]
        points = pixels[start : start + count]
        colour = PART_COLOURS[part][::-1]  # OpenCV wants BGR
        for a, b in PART_EDGES[part]:
            cv2.line(canvas, tuple(points[a]), tuple(points[b]), colour, 1, cv2.LINE_8)
        for point in points:
            cv2.circle(canvas, tuple(point), POINT_RADIUS, colour, -1, cv2.LINE_8)
    return canvas


def text_width(text: str) -> int:
    return cv2.getTextSize(text, FONT, FONT_SCALE, 1)[0][0]


def wrapped(text: str, width: int) -> list[str]:
    """The text in lines that fit `width` pixels (cut anywhere: video names have no spaces)."""
    lines = [""]
    for char in text:
        if lines[-1] and text_width(lines[-1] + char) > width - 2 * MARGIN:
            lines.append("")
        lines[-1] += char
    return lines


def title_lines(width: int, split: str, video_id: str, number: int) -> list[str]:
    return wrapped(f"{video_id}", width) + wrapped(f"frame {number}, split {split}", width)


def legend_rows(width: int) -> list[list[str]]:
    """The parts' names, as many to a row as fit beside their colour swatches."""
    rows: list[list[str]] = [[]]
    used = MARGIN
    for part in DRAW_ORDER:
        entry = SWATCH + 3 + text_width(part.replace("_", " ")) + 2 * MARGIN
        if rows[-1] and used + entry > width:
            rows.append([])
            used = MARGIN
        rows[-1].append(part)
        used += entry
    return rows


def band(width: int, lines: int) -> np.ndarray:
    return np.full((lines * LINE_HEIGHT + MARGIN, width, 3), BAND_COLOUR, np.uint8)


def titled(drawn_bgr: np.ndarray, split: str, video_id: str, number: int) -> np.ndarray:
    """The drawn frame with its title above (video, frame, split) and the colours' legend below."""
    width = drawn_bgr.shape[1]
    title = title_lines(width, split, video_id, number)
    top = band(width, len(title))
    for k, line in enumerate(title):
        cv2.putText(top, line, (MARGIN, (k + 1) * LINE_HEIGHT - 3), FONT, FONT_SCALE, TEXT_COLOUR, 1, cv2.LINE_AA)
    rows = legend_rows(width)
    bottom = band(width, len(rows))
    for k, row in enumerate(rows):
        x, y = MARGIN, (k + 1) * LINE_HEIGHT - 3
        for part in row:
            colour = PART_COLOURS[part][::-1]
            cv2.rectangle(bottom, (x, y - SWATCH), (x + SWATCH - 1, y - 1), colour, -1)
            name = part.replace("_", " ")
            cv2.putText(bottom, name, (x + SWATCH + 3, y), FONT, FONT_SCALE, TEXT_COLOUR, 1, cv2.LINE_AA)
            x += SWATCH + 3 + text_width(name) + 2 * MARGIN
    return np.vstack([top, drawn_bgr, bottom])


def title_height(width: int, split: str, video_id: str, number: int) -> int:
    """Where the frame starts in its picture."""
    return band(width, len(title_lines(width, split, video_id, number))).shape[0]


def reference_number(reference: str) -> int:
    """A frame's own number: in its PNG's name (imagesNNNN.png), or in its video file's reference (#N)."""
    video, separator, number = reference.rpartition(REFERENCE_SEPARATOR)
    return int(number) if separator else frame_number(Path(reference).name)


def qc_frame_name(video_id: str, frame_number: int) -> str:
    return f"{video_id}_frame{frame_number:04d}.png"


def write_qc_frames(npz_path: str | Path, dataset_root: str | Path, out_dir: str | Path, count: int) -> list[Path]:
    """Draw `count` sampled frames of one split's NPZ into out_dir; returns the pictures written."""
    arrays = np.load(npz_path, allow_pickle=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for row in sample_frames(arrays["video_offsets"], arrays["video_lengths"], count):
        reference = str(arrays["image_paths"][row])
        video = int(np.searchsorted(arrays["video_offsets"], row, side="right")) - 1
        image = read_reference(dataset_root, reference, int(arrays["video_rotation"][video]))  # as extracted
        if image is None:  # a frame kept as zeros under on_bad_frame: mark
            log.warning("not drawn: %s cannot be decoded (see results/bad_frames.tsv)", reference)
            continue
        number, video_id = reference_number(reference), str(arrays["video_ids"][row])
        path = out_dir / qc_frame_name(video_id, number)
        drawn = draw_keypoints(image, arrays["keypoints"][row], arrays["presence"][row])
        with atomic_path(path) as temp:
            if not cv2.imwrite(str(temp), titled(drawn, split_of(npz_path), video_id, number)):
                raise OSError(f"could not write {path}")
        written.append(path)
    return written
