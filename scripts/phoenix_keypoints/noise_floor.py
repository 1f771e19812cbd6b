"""MediaPipe's own noise: the baseline's videos again, with one pixel per frame changed by one level.

MediaPipe is chaotic: a change no one could see moves its keypoints, sometimes far (a hand found one frame
later). The torch engine computes the same graph in another order of fp32 operations, so it cannot equal
MediaPipe bit for bit; verify asks instead that it stays within what such a perturbation does to MediaPipe
itself (the noise floor), one run per seed.
"""

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .extract import extract_in_process
from .frame_folders import video_source
from .frame_sources import DecodedVideo, Frame, PngFrames
from .holistic import HolisticSettings
from .keypoint_sets import sets_from_records
from .videos import Video

log = logging.getLogger(__name__)


def seed_folder(floor_dir: str | Path, seed: int) -> Path:
    """Where the run of one seed writes its {split}_keypoints.npz files."""
    return Path(floor_dir) / f"seed{seed}"


def perturb(image: np.ndarray, seed: int, video_key: str, frame: int) -> np.ndarray:
    """A copy of a BGR frame with one pixel's channel changed by one level (+1, or -1 where it is 255).

    The pixel depends only on (seed, video, frame number): every run of a seed perturbs the same pixels.
    """
    rng = np.random.default_rng((seed, zlib.crc32(video_key.encode()), frame))
    y, x, channel = rng.integers(image.shape)
    perturbed = image.copy()
    level = int(perturbed[y, x, channel])
    perturbed[y, x, channel] = level + 1 if level < 255 else level - 1
    return perturbed


@dataclass
class PerturbedFrames:
    """A video's frame source (frame_sources) whose decoded frames come with one pixel changed."""

    source: PngFrames | DecodedVideo
    seed: int
    video_key: str

    def frames(self) -> Iterator[Frame]:
        for number, (reference, image, reason, time) in enumerate(self.source.frames()):
            yield reference, None if image is None else perturb(image, self.seed, self.video_key, number), reason, time

    def fingerprint_items(self) -> Iterator[str]:
        return self.source.fingerprint_items()

    def ending(self, frames_read: int) -> str | None:
        return self.source.ending(frames_read)


def floor_sets(
    dataset_root: Path,
    videos: list[Video],
    settings: HolisticSettings,
    on_bad_frame: str,
    splits: list[str],
    seed: int,
) -> dict[str, dict]:
    """{split: arrays} of MediaPipe over the videos perturbed with `seed`, in one process like the baseline."""

    def perturbed(root: Path, video: Video) -> PerturbedFrames:
        return PerturbedFrames(video_source(root, video), seed, video.key)

    records = extract_in_process(dataset_root, videos, settings, on_bad_frame, f"noise floor, seed {seed}", perturbed)
    return sets_from_records(records, splits, settings.recorded())
