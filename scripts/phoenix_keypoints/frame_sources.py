"""Where a video's frames come from: a folder of PNG frames, or a video file decoded with OpenCV.

Either way the frames are read one at a time, in order, each exactly once: a long video is never held in
memory whole. A frame is named by a reference: the PNG's path, or `<video file>#<frame number>` (numbered
from 0 in decoding order).

A video file's frames are read as a player shows them: turned upright by the rotation of the container's
display matrix (phones store portrait clips sideways), each with its presentation time from the container.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts", ".flv", ".wmv")
REFERENCE_SEPARATOR = "#"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIDEO_ROTATION_SETTINGS = ("auto", "ignore")
# A video whose frame intervals differ from its typical one by more than this share of it (and at least
# VFR_MIN_SECONDS, a timebase's rounding) has a variable frame rate: a dropped frame doubles an interval.
VFR_TOLERANCE = 0.1
VFR_MIN_SECONDS = 0.002
# Clockwise turns, as OpenCV's CAP_PROP_ORIENTATION_META gives them and its own auto-rotation applies them.
TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class VideoInfo:
    """What a video file's container says: often right about the size and frame rate, not always about the
    number of frames (the decoded count is the one that counts)."""

    frame_count: int
    fps: float
    width: int  # as displayed: after the rotation
    height: int
    rotation: int = 0  # clockwise degrees that turn the stored frames upright (0 when video_rotation: ignore)


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def open_capture(path: Path) -> cv2.VideoCapture:
    """The file's stored frames: OpenCV's own rotation is off (its default may change), upright() turns them."""
    capture = cv2.VideoCapture(str(path))
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return capture


def upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """A stored frame as displayed: turned clockwise by `rotation` degrees (0, 90, 180 or 270)."""
    return cv2.rotate(image, TURNS[rotation]) if rotation else image


def probe_video(path: Path, video_rotation: str = "auto") -> tuple[VideoInfo | None, str | None]:
    """The container's figures (the size as displayed) and whether a first frame decodes, or the reason the
    file is unusable. video_rotation: "auto" turns the frames as the display matrix says, "ignore" does not."""
    if not path.is_file():
        return None, "video file is missing"
    capture = open_capture(path)
    try:
        if not capture.isOpened():
            return None, "cannot be opened as a video (damaged, or a codec OpenCV's FFmpeg cannot read)"
        rotation = int(capture.get(cv2.CAP_PROP_ORIENTATION_META)) % 360 if video_rotation == "auto" else 0
        if rotation not in (0, *TURNS):
            return None, (
                f"its display matrix turns it by {rotation} degrees, not a multiple of 90. Fix: re-encode it "
                "upright (ffmpeg turns it as players do), or set video_rotation: ignore to take the stored frames"
            )
        width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        turned = rotation in (90, 270)
        info = VideoInfo(
            int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            float(capture.get(cv2.CAP_PROP_FPS)),
            height if turned else width,
            width if turned else height,
            rotation,
        )
        ok, _ = capture.read()
        if not ok:
            return None, "no frame decodes (an empty, truncated or damaged video, or an unsupported codec)"
        return info, None
    finally:
        capture.release()


def count_frames(path: Path, end: int | None = None) -> int:
    """The frames that decode (up to `end`, excluded): for a container whose count is missing or wrong."""
    capture = open_capture(path)
    count = 0
    try:
        while (end is None or count < end) and capture.grab():
            count += 1
        return count
    finally:
        capture.release()


def video_timing(times: np.ndarray, container_fps: float) -> tuple[float, bool]:
    """A video file's nominal frame rate and whether its frame rate varies, from its frames' times: the
    container's rate, or for a variable one the rate of its typical interval (the container gives the
    average, which no stretch of the video has)."""
    intervals = np.diff(times[~np.isnan(times)])
    if len(intervals) < 2:
        return container_fps, False
    typical = float(np.median(intervals))
    variable = bool(np.any(np.abs(intervals - typical) > max(VFR_MIN_SECONDS, VFR_TOLERANCE * typical)))
    return (1 / typical if variable and typical > 0 else container_fps), variable


def frame_reference(video_path: str, number: int) -> str:
    return f"{video_path}{REFERENCE_SEPARATOR}{number}"


def describe_unreadable(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    if size == 0:
        return "empty file (0 bytes)"
    with open(path, "rb") as stream:
        head = stream.read(8)
    if head != PNG_SIGNATURE:
        return f"not a PNG image (starts with {head!r})"
    return f"corrupt or truncated PNG ({size} bytes)"


# A frame: its reference, the BGR image or, when it cannot be decoded, None and the reason, and its
# presentation time in seconds from the start of its video file (None for a PNG frame).
Frame = tuple[str, np.ndarray | None, str | None, float | None]


@dataclass
class PngFrames:
    """A folder's PNG frames (the index's list), read one at a time."""

    paths: list[Path]
    reference_folder: str  # as the outputs name the folder: relative to the dataset root (or absolute)

    def frames(self) -> Iterator[Frame]:
        for path in self.paths:
            reference = f"{self.reference_folder}/{path.name}"
            # IMREAD_COLOR gives 8-bit BGR for grayscale, RGBA and 16-bit PNGs alike.
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            yield reference, image, None if image is not None else describe_unreadable(path), None

    def chunks(self, size: int) -> list["PngFrames"]:
        """The frames in runs of `size`, each a source of its own (decoded apart, read in this order)."""
        return [PngFrames(self.paths[i : i + size], self.reference_folder) for i in range(0, len(self.paths), size)]

    def fingerprint_items(self) -> Iterator[str]:
        for path in self.paths:
            stat = path.stat()
            yield f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}"

    def ending(self, frames_read: int) -> str | None:
        return None  # a folder's frames are counted by the index


@dataclass
class DecodedVideo:
    """Frames of one video file in a cut: from `start` (a frame number) or the first frame shown at or after
    `start_time` (seconds), to `end` (excluded; None: to the last one) or the last frame shown before
    `end_time`; turned clockwise by `rotation` degrees."""

    path: Path
    reference_path: str  # as the outputs name the file: relative to the dataset root
    start: int = 0
    end: int | None = None
    expected: int | None = None  # frames of the cut by the container's count
    rotation: int = 0
    start_time: float | None = None
    end_time: float | None = None

    def _cut(self, capture: cv2.VideoCapture) -> Iterator[tuple[int, float]]:
        """(number, time) of each frame of the cut, grabbed (decoded, not yet converted to an image)."""
        number = 0
        while (self.end is None or number < self.end) and capture.grab():
            # The time of the frame just grabbed, from its presentation timestamp: a variable-frame-rate
            # video's frames are not at number / fps.
            time = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
            if self.end_time is not None and time >= self.end_time:
                return
            if number >= self.start and (self.start_time is None or time >= self.start_time):
                yield number, time
            number += 1

    def frames(self) -> Iterator[Frame]:
        """Every frame in the cut, in decoding (presentation) order, upright."""
        capture = open_capture(self.path)
        try:
            for number, time in self._cut(capture):
                ok, image = capture.retrieve()
                if not ok:
                    return
                yield frame_reference(self.reference_path, number), upright(image, self.rotation), None, time
        finally:
            capture.release()

    def count(self) -> int:
        """The frames of the cut that decode."""
        capture = open_capture(self.path)
        try:
            return sum(1 for _ in self._cut(capture))
        finally:
            capture.release()

    def fingerprint_items(self) -> Iterator[str]:
        stat = self.path.stat()
        cut = f"{self.start}\0{self.end}\0{self.start_time}\0{self.end_time}"
        yield f"{self.path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{cut}\0rotation {self.rotation}"

    def ending(self, frames_read: int) -> str | None:
        """What to say when decoding gave another number of frames than the container announced."""
        if self.expected is None or frames_read == self.expected:
            return None
        if frames_read < self.expected:
            return f"ends early: {frames_read} frames decoded, the container announces {self.expected}"
        return f"{frames_read} frames decoded, the container announces {self.expected}"


def read_reference(dataset_root: str | Path, reference: str, rotation: int = 0) -> np.ndarray | None:
    """One frame by its reference (a QC picture): a PNG read as it is, a video frame decoded up to it and
    turned by `rotation` as it was for extraction."""
    path, separator, number = reference.rpartition(REFERENCE_SEPARATOR)
    if not separator or not number.isdigit():
        return cv2.imread(str(Path(dataset_root) / reference), cv2.IMREAD_COLOR)
    video = DecodedVideo(Path(dataset_root) / path, path, int(number), int(number) + 1, rotation=rotation)
    return next((image for _, image, _, _ in video.frames()), None)
