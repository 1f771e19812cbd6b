"""The videos a dataset holds, as the index lists them, the problems that leave a video out, and where a
PHOENIX release keeps its files."""

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .frame_sources import is_video_file


@dataclass
class Video:
    split: str
    video_id: str
    n_frames: int  # a frame folder's count; a video file's from its container, until it is decoded
    source: str  # a frame folder or a video file, relative to the dataset root (or absolute), "/"-separated
    annotations: dict[str, str] = field(default_factory=dict)  # corpus columns the outputs carry per video
    width: int = 0  # of every frame (frame folders: from the PNG headers; 0: no header could be read)
    height: int = 0
    fps: float = 0.0  # a video file's frame rate; 0 for a frame folder (pose_export: fps then)
    start: int = 0  # the cut, in frame numbers: start included, end excluded (None: to the last frame)
    end: int | None = None
    shard: int | None = None
    rotation: int = 0  # a video file's: clockwise degrees that turn its stored frames upright
    start_time: float | None = None  # a video file's cut in seconds: frames shown at or after start_time,
    end_time: float | None = None  # and before end_time (start then stays 0, end None)

    @property
    def key(self) -> str:
        return f"{self.split}/{self.video_id}"

    @property
    def is_video_file(self) -> bool:
        return is_video_file(self.source)


@dataclass
class Problem:
    split: str
    video_id: str
    path: str
    reason: str


@dataclass
class DatasetPaths:
    """Where a release keeps its corpus CSVs and frames."""

    root: Path
    annotations_subdir: str = "annotations/manual"
    frames_subdir: str = "features/fullFrame-210x260px"
    csv_pattern: str = "PHOENIX-2014-T.{split}.corpus.csv"

    def csv_path(self, split: str) -> Path:
        return self.root / self.annotations_subdir / self.csv_pattern.format(split=split)

    def split_dir(self, split: str) -> Path:
        return self.root / self.frames_subdir / split


def unsafe_name(name: str) -> bool:
    """A video name that is empty or more than one plain path component: it could escape the dataset root."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (
        not name.strip()
        or name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".") for part in parts)
        or len(parts) != 1
    )
