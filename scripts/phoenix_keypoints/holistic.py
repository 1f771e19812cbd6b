"""MediaPipe Holistic settings, and running it over one whole video."""

import importlib.util
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .layout import NUM_COORDS, NUM_POINTS, PART_NAMES

if TYPE_CHECKING:
    from .frame_sources import Frame

POSE_MODEL_FILES = {
    0: "pose_landmark_lite.tflite",
    1: "pose_landmark_full.tflite",
    2: "pose_landmark_heavy.tflite",
}
BAD_FRAME_POLICIES = ("fail", "mark")


@dataclass(frozen=True)
class HolisticSettings:
    static_image_mode: bool = False
    model_complexity: int = 1
    refine_face_landmarks: bool = False
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    @classmethod
    def from_config(cls, holistic_config: dict) -> "HolisticSettings":
        return cls(**holistic_config)

    def as_dict(self) -> dict:
        return asdict(self)

    def recorded(self, engine: str = "mediapipe", torch_engine: dict | None = None) -> dict:
        """The settings as the outputs record them (shards, NPZ `settings`, the pickle): with the engine, and the
        torch engine's settings its keypoints depend on (extract.torch_engine_recorded) where given."""
        return self.as_dict() | {"engine": engine} | ({"torch_engine": torch_engine} if torch_engine else {})


@dataclass
class VideoResult:
    keypoints: np.ndarray  # float32 [n, 143, 3]
    presence: np.ndarray  # bool [n, 4]
    references: list[str] = field(default_factory=list)  # each frame's reference (frame_sources)
    bad_frames: list[tuple[int, str]] = field(default_factory=list)
    width: int = 0
    height: int = 0
    ending: str | None = None  # a video file that gave another number of frames than its container said
    times: np.ndarray | None = None  # float64 [n]: each frame's time in its video file (seconds); NaN: a PNG's
    cpu_seconds: float = 0.0
    started_at: float = 0.0
    finished_at: float = 0.0


def mediapipe_package() -> Path | None:
    """The installed mediapipe package's folder (where its models are), found without importing it."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def pose_model_path(model_complexity: int) -> Path:
    package = mediapipe_package()
    if package is None:
        raise InputError("mediapipe is not installed. Fix: run `make run` or pip install -r requirements.txt")
    return package / "modules" / "pose_landmark" / POSE_MODEL_FILES[model_complexity]


def check_model_available(model_complexity: int) -> None:
    """Complexity 0 and 2 need a model file the wheel lacks (MediaPipe would download it)."""
    if model_complexity not in POSE_MODEL_FILES:
        raise InputError(f"model_complexity must be 0, 1 or 2, not {model_complexity!r}")
    path = pose_model_path(model_complexity)
    if not path.is_file():
        raise InputError(
            f"model_complexity {model_complexity} needs {path.name}, which is not at {path}.\n"
            f"Fix: download it from https://storage.googleapis.com/mediapipe-assets/{path.name} "
            f"and place it at {path}, or use model_complexity: 1 (bundled with the wheel)."
        )


def create_holistic(settings: HolisticSettings):
    """A new Holistic instance; create it in the process that will use it."""
    check_model_available(settings.model_complexity)
    import mediapipe as mp

    return mp.solutions.holistic.Holistic(**settings.as_dict())


@dataclass
class FrameWalk:
    """One pass over a video's frames in order: what MediaPipe and the torch engine both need from it.

    `rgb_frames()` yields the decodable frames as RGB (the source's, or the same frames decoded elsewhere:
    frame_decoders); an undecodable one stops with an InputError
    (on_bad_frame "fail"), or is left out and listed ("mark": zeros and presence false in the result), as is
    every frame's reference. Both engines see the same frames, so a skipped frame is skipped by both.
    """

    source: object  # a frame_sources source
    on_bad_frame: str = "fail"
    references: list[str] = field(default_factory=list)
    times: list[float | None] = field(default_factory=list)
    bad_frames: list[tuple[int, str]] = field(default_factory=list)
    width: int = 0
    height: int = 0

    def rgb_frames(self, frames: "Iterable[Frame] | None" = None) -> Iterator[np.ndarray]:
        import cv2

        for reference, image, reason, seconds in self.source.frames() if frames is None else frames:
            self.references.append(reference)
            self.times.append(seconds)
            if image is None:
                if self.on_bad_frame == "fail":
                    raise InputError(
                        f"cannot decode frame {reference}: {reason}.\n"
                        "Fix: restore the file from the release, or set on_bad_frame: mark to keep it "
                        "as zeros with presence false (listed in results/bad_frames.tsv)."
                    )
                self.bad_frames.append((len(self.references) - 1, reason))
                continue
            if not self.width:
                self.height, self.width = image.shape[:2]
            elif image.shape[:2] != (self.height, self.width):  # the index checked; the folder changed since
                raise InputError(
                    f"frame {reference} is {image.shape[1]}x{image.shape[0]}, the video's earlier frames are "
                    f"{self.width}x{self.height}.\nFix: give every frame of the video the same size, then rerun "
                    "(the index checks the sizes again)."
                )
            yield cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def result(self, keypoints: np.ndarray, presence: np.ndarray) -> VideoResult:
        """The video's result from the keypoints [k, 143, 3] and presence [k, 4] of its decodable frames."""
        n = len(self.references)
        decoded = np.ones(n, dtype=bool)
        decoded[[row for row, _ in self.bad_frames]] = False
        all_keypoints = np.zeros((n, NUM_POINTS, NUM_COORDS), dtype=np.float32)
        all_presence = np.zeros((n, len(PART_NAMES)), dtype=bool)
        all_keypoints[decoded], all_presence[decoded] = keypoints, presence
        times = np.array([np.nan if time is None else time for time in self.times], dtype=np.float64)
        return VideoResult(
            all_keypoints,
            all_presence,
            self.references,
            self.bad_frames,
            self.width,
            self.height,
            self.source.ending(n),
            times,
        )


def extract_video(holistic, source, on_bad_frame: str = "fail") -> VideoResult:
    """Run MediaPipe's Holistic over the frames of one video (a frame_sources source), in order, after
    resetting its tracking (see FrameWalk for undecodable frames)."""
    from .landmarks import results_to_keypoints

    started_at, cpu_start = time.time(), time.process_time()
    walk, keypoints, presence = FrameWalk(source, on_bad_frame), [], []
    holistic.reset()
    for image in walk.rgb_frames():
        frame_keypoints, frame_presence = results_to_keypoints(holistic.process(image))
        keypoints.append(frame_keypoints)
        presence.append(frame_presence)
    result = walk.result(
        np.array(keypoints, dtype=np.float32).reshape(-1, NUM_POINTS, NUM_COORDS),
        np.array(presence, dtype=bool).reshape(-1, len(PART_NAMES)),
    )
    result.cpu_seconds = time.process_time() - cpu_start
    result.started_at, result.finished_at = started_at, time.time()
    return result
