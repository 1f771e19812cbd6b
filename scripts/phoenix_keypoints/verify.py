"""Compare a single-process baseline with the sharded result, video by video."""

import json
import random

import numpy as np

from .errors import InputError
from .index import Video
from .merge import split_arrays, video_slices


def sample_videos(videos: list[Video], per_split: int, seed: int) -> list[Video]:
    """A seeded sample of up to per_split videos of each split, in index order."""
    chosen = set()
    for split in dict.fromkeys(v.split for v in videos):
        keys = [v.key for v in videos if v.split == split]
        chosen.update(random.Random(f"{seed}/{split}").sample(keys, min(per_split, len(keys))))
    return [v for v in videos if v.key in chosen]


def _videos_only(split: dict, names: set[str]) -> dict:
    """The named videos of a merged split, offsets renumbered: verify needs no more than the sample."""
    frames, videos = [], []
    for video in split["videos"]:
        if video["video_id"] in names:
            start = video["offset"]
            videos.append(video | {"offset": len(frames)})
            frames.extend(split["keypoints"][start : start + video["n_frames"]])
    return split | {"keypoints": frames, "videos": videos}


def compare(baseline: dict, merged: dict, atol: float = 0.0) -> dict:
    """The verification report: presence must match and |difference| <= atol everywhere."""
    report = {"passed": True, "atol": atol, "splits": {}}
    for split, base_split in baseline.items():
        base = split_arrays(base_split)
        sampled = {video["video_id"] for video in base_split["videos"]}
        other = split_arrays(_videos_only(merged[split], sampled)) if split in merged else None
        other_slices = video_slices(other) if other is not None else {}
        entry = {"videos": 0, "frames": 0, "max_abs_diff": 0.0, "presence_mismatches": 0, "problems": []}
        for name, base_slice in video_slices(base).items():
            entry["videos"] += 1
            entry["frames"] += base_slice.stop - base_slice.start
            if name not in other_slices:
                entry["problems"].append(f"{name}: missing from the merged result")
                continue
            theirs = other_slices[name]
            if theirs.stop - theirs.start != base_slice.stop - base_slice.start or not np.array_equal(
                base["image_paths"][base_slice], other["image_paths"][theirs]
            ):
                entry["problems"].append(f"{name}: different frames in the merged result")
                continue
            mismatches = int(np.sum(base["presence"][base_slice] != other["presence"][theirs]))
            diff = float(np.max(np.abs(base["keypoints"][base_slice] - other["keypoints"][theirs]), initial=0.0))
            entry["presence_mismatches"] += mismatches
            entry["max_abs_diff"] = max(entry["max_abs_diff"], diff)
            if mismatches or diff > atol:
                entry["problems"].append(f"{name}: {mismatches} presence mismatches, max |diff| {diff:g}")
        report["passed"] &= not entry["problems"]
        report["splits"][split] = entry
    return report


def require_passed(report_path) -> None:
    """Refuse to go on from a verification report that says the results differ."""
    with open(report_path, encoding="utf-8") as stream:
        if not json.load(stream)["passed"]:
            raise InputError(
                f"{report_path} says verification failed; refusing to go on from unverified keypoints.\n"
                "Fix: delete results/shards and results/journal and rerun the workflow."
            )
