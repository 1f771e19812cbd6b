"""Merge per-video records (from shards or the baseline) into the per-split keypoint file."""

import logging
import pickle
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .atomic import read_pickle, write_pickle
from .errors import InputError
from .index import Video
from .layout import NUM_COORDS, NUM_POINTS, PART_NAMES

log = logging.getLogger(__name__)

PRESENT_KEYS = tuple(f"{part}_present" for part in PART_NAMES)


def _key(record: dict) -> str:
    return f"{record['split']}/{record['video_id']}"


def _by_key(records: Iterable[tuple[str, dict]]) -> tuple[dict[str, tuple[str, dict]], list[str]]:
    """(source, record) by split/video_id, and a problem for each video seen twice."""
    by_key: dict[str, tuple[str, dict]] = {}
    problems = []
    for source, record in records:
        key = _key(record)
        if key in by_key:
            problems.append(f"{key} appears twice (in {by_key[key][0]} and {source})")
            continue
        by_key[key] = (source, record)
    return by_key, problems


def _refuse(problems: list[str], what: str, fix: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputError(f"{what} ({len(problems)} problems):\n  {shown}\nFix: {fix}")


def check_unique(records: Iterable[tuple[str, dict]]) -> list[dict]:
    """The records in input order, each video once; without an index, completeness cannot be checked."""
    by_key, problems = _by_key(records)
    _refuse(
        problems,
        "the same video is in more than one input",
        "pass the shard files of one run once each (all from one results/shards folder).",
    )
    return [record for _, record in by_key.values()]


def check_complete(index: list[Video], records: Iterable[tuple[str, dict]]) -> list[dict]:
    """The records in index order; every indexed frame exactly once, or an error that says which."""
    by_key, problems = _by_key(records)
    ordered = []
    for video in index:
        found = by_key.pop(video.key, None)
        if found is None:
            problems.append(f"{video.key} ({video.n_frames} frames) is missing from every input")
            continue
        source, record = found
        n_paths, n_rows = len(record["image_paths"]), len(record["keypoints"])
        if n_paths != video.n_frames or n_rows != video.n_frames or len(set(record["image_paths"])) != n_paths:
            problems.append(
                f"{video.key} in {source} has {n_rows} keypoint rows and {len(set(record['image_paths']))} "
                f"distinct frames, the index has {video.n_frames} frames"
            )
            continue
        ordered.append(record)
    for key, (source, _) in by_key.items():
        problems.append(f"{key} in {source} is not in the index")
    _refuse(
        problems,
        "the results do not match the index",
        "rerun the extraction for the affected shards (delete their results/shards/shard_N.pkl), "
        "or re-index if the dataset changed.",
    )
    return ordered


def read_shard_files(paths: Iterable[str | Path]) -> tuple[list[tuple[str, dict]], dict | None]:
    """The (file, record) pairs of shard files (results/shards/shard_N.pkl) and their common settings."""
    sourced, settings = [], {}
    for path in paths:
        shard = _read(path)
        if not (isinstance(shard, dict) and {"videos", "settings"} <= set(shard)):
            raise InputError(
                f"{path} is not a shard file (results/shards/shard_N.pkl, written by the extraction jobs).\n"
                "Fix: pass shard files; a merged file such as phoenix_keypoints_full.pkl needs no merging."
            )
        settings[str(shard["settings"])] = shard["settings"]
        sourced += [(str(path), record) for record in shard["videos"]]
    if len(settings) > 1:
        raise InputError(
            f"the shards were extracted with different settings: {list(settings)}.\n"
            "Fix: merge only shards of one run (one results/shards folder)."
        )
    return sourced, next(iter(settings.values()), None)


def read_merged(path: str | Path) -> dict:
    """A merged keypoint file ({split: {'keypoints', 'videos', ...}}), checked to be one."""
    merged = _read(path)
    if not (isinstance(merged, dict) and all(isinstance(s, dict) and "videos" in s for s in merged.values())):
        raise InputError(
            f"{path} is not a merged keypoint file ({{split: {{'keypoints': [...], 'videos': [...]}}}}).\n"
            "Fix: pass results/phoenix_keypoints_full.pkl or the output of extract_keypoints.py or "
            "merge_keypoint_results.py."
        )
    return merged


def _read(path: str | Path):
    try:
        return read_pickle(path)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist. Fix: check the path.") from None
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise InputError(f"{path} is not a readable pickle ({err}). Fix: regenerate it.") from None


def merge_records(records: Iterable[dict], splits: list[str], settings: dict | None = None) -> dict:
    """{split: {'keypoints': [per-frame dicts], 'videos': [...], 'bad_frames': [...], 'settings': ...}}."""
    merged = {split: {"keypoints": [], "videos": [], "bad_frames": [], "settings": settings} for split in splits}
    for record in records:
        split = merged.get(record["split"])
        if split is None:
            raise InputError(f"{_key(record)} belongs to split {record['split']!r}, not one of {splits}")
        frames = split["keypoints"]
        split["videos"].append(
            {
                "video_id": record["video_id"],
                "offset": len(frames),
                "n_frames": len(record["image_paths"]),
                "width": record["width"],
                "height": record["height"],
            }
        )
        video_id, keypoints, presence = record["video_id"], record["keypoints"], record["presence"].tolist()
        for frame_index, image_path in enumerate(record["image_paths"]):
            frame = {
                "video_id": video_id,
                "frame_index": frame_index,
                "image_path": image_path,
                "keypoints": keypoints[frame_index],
            }
            frame.update(zip(PRESENT_KEYS, presence[frame_index], strict=True))
            frames.append(frame)
        split["bad_frames"].extend(
            {"video_id": video_id, "frame_index": i, "image_path": record["image_paths"][i], "reason": reason}
            for i, reason in record["bad_frames"]
        )
    return merged


def write_merged(path: str | Path, merged: dict) -> None:
    """Write a merged keypoint file and log what each split holds."""
    write_pickle(path, merged)
    for split, data in merged.items():
        log.info(
            "%s: %d videos, %d frames, %d bad frames",
            split, len(data["videos"]), len(data["keypoints"]), len(data["bad_frames"]),
        )  # fmt: skip
    log.info("wrote %s", path)


def split_arrays(split: dict) -> dict[str, np.ndarray]:
    """One split of a merged file as flat arrays (loadable with allow_pickle=False)."""
    frames = split["keypoints"]
    n = len(frames)
    # Filled row by row: np.stack over ~10^6 small arrays took 10x longer and held a second copy.
    keypoints = np.empty((n, NUM_POINTS, NUM_COORDS), dtype=np.float32)
    for row, frame in enumerate(frames):
        points = frame["keypoints"]
        if points.shape != (NUM_POINTS, NUM_COORDS):
            raise ValueError(f"frame {frame['image_path']} has keypoints of shape {points.shape}")
        keypoints[row] = points
    presence = np.fromiter(
        (frame[key] for frame in frames for key in PRESENT_KEYS), dtype=bool, count=n * len(PRESENT_KEYS)
    ).reshape(n, len(PRESENT_KEYS))
    videos = split["videos"]
    return {
        "keypoints": keypoints,
        "presence": presence,
        "video_ids": np.array([f["video_id"] for f in frames], dtype=str),
        "image_paths": np.array([f["image_path"] for f in frames], dtype=str),
        "frame_index": np.fromiter((f["frame_index"] for f in frames), dtype=np.int32, count=n),
        "video_names": np.array([v["video_id"] for v in videos], dtype=str),
        "video_offsets": np.array([v["offset"] for v in videos], dtype=np.int64),
        "video_lengths": np.array([v["n_frames"] for v in videos], dtype=np.int64),
        "part_names": np.array(PART_NAMES),
    }


def video_slices(arrays) -> dict[str, slice]:
    """Each video's rows in split arrays (as split_arrays or an NPZ file gives them), by video name."""
    return {
        str(name): slice(int(offset), int(offset + length))
        for name, offset, length in zip(
            arrays["video_names"], arrays["video_offsets"], arrays["video_lengths"], strict=True
        )
    }
