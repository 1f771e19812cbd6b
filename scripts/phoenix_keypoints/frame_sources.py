"""Where a video's frames come from: a folder of PNG frames, or a video file decoded with OpenCV.

Either way the frames are read one at a time, in order, each exactly once: a long video is never held in
memory whole. A frame is named by a reference: the PNG's path, or `<video file>#<frame number>` (numbered
from 0 in decoding order).
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


@dataclass(frozen=True)
class VideoInfo:
    """What a video file's container says: often right about the size and frame rate, not always about the
    number of frames (the decoded count is the one that counts)."""

    frame_count: int
    fps: float
    width: int
    height: int


def is_video_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def probe_video(path: Path) -> tuple[VideoInfo | None, str | None]:
    """The container's figures and whether a first frame decodes, or the reason the file is unusable."""
    if not path.is_file():
        return None, "video file is missing"
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            return None, "cannot be opened as a video (damaged, or a codec OpenCV's FFmpeg cannot read)"
        info = VideoInfo(
            int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            float(capture.get(cv2.CAP_PROP_FPS)),
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        ok, _ = capture.read()
        if not ok:
            return None, "no frame decodes (an empty, truncated or damaged video, or an unsupported codec)"
        return info, None
    finally:
        capture.release()


def count_frames(path: Path, end: int | None = None) -> int:
    """The frames that decode (up to `end`, excluded): for a container whose count is missing or wrong."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while (end is None or count < end) and capture.grab():
            count += 1
        return count
    finally:
        capture.release()


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


# A frame: its reference, and the BGR image or, when it cannot be decoded, None and the reason.
Frame = tuple[str, np.ndarray | None, str | None]


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
            yield reference, image, None if image is not None else describe_unreadable(path)

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
    """Frames of one video file from `start` (a frame number) to `end` (excluded; None: to the last one)."""

    path: Path
    reference_path: str  # as the outputs name the file: relative to the dataset root
    start: int = 0
    end: int | None = None
    expected: int | None = None  # frames of the cut by the container's count

    def frames(self) -> Iterator[Frame]:
        """Every frame in the cut, in decoding (presentation) order."""
        capture = cv2.VideoCapture(str(self.path))
        number = 0
        try:
            while number < self.start:  # decoded but not converted to images: they are passed over
                if not capture.grab():
                    return
                number += 1
            while self.end is None or number < self.end:
                ok, image = capture.read()
                if not ok:
                    return
                yield frame_reference(self.reference_path, number), image, None
                number += 1
        finally:
            capture.release()

    def fingerprint_items(self) -> Iterator[str]:
        stat = self.path.stat()
        yield f"{self.path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{self.start}\0{self.end}"

    def ending(self, frames_read: int) -> str | None:
        """What to say when decoding gave another number of frames than the container announced."""
        if self.expected is None or frames_read == self.expected:
            return None
        if frames_read < self.expected:
            return f"ends early: {frames_read} frames decoded, the container announces {self.expected}"
        return f"{frames_read} frames decoded, the container announces {self.expected}"


def read_reference(dataset_root: str | Path, reference: str) -> np.ndarray | None:
    """One frame by its reference (a QC picture): a PNG read as it is, a video frame decoded up to it."""
    path, separator, number = reference.rpartition(REFERENCE_SEPARATOR)
    if not separator or not number.isdigit():
        return cv2.imread(str(Path(dataset_root) / reference), cv2.IMREAD_COLOR)
    video = DecodedVideo(Path(dataset_root) / path, path, int(number), int(number) + 1)
    return next((image for _, image, _ in video.frames()), None)
