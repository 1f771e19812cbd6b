"""Compare a single-process baseline with the sharded result, video by video, on array slices."""

import json
import random

import numpy as np

from .errors import InputError
from .index import Video
from .keypoint_sets import KeypointSet, video_slices


def sample_videos(videos: list[Video], per_split: int, seed: int) -> list[Video]:
    """A seeded sample of up to per_split videos of each split, in index order."""
    chosen = set()
    for split in dict.fromkeys(v.split for v in videos):
        keys = [v.key for v in videos if v.split == split]
        chosen.update(random.Random(f"{seed}/{split}").sample(keys, min(per_split, len(keys))))
    return [v for v in videos if v.key in chosen]


def compare_split(base: dict, other: dict | None, atol: float) -> dict:
    """One split's entry of the report: every baseline video against the same video in `other`."""
    entry = {"videos": 0, "frames": 0, "max_abs_diff": 0.0, "presence_mismatches": 0, "problems": []}
    other_slices = video_slices(other) if other is not None else {}
    for name, ours in video_slices(base).items():
        entry["videos"] += 1
        entry["frames"] += ours.stop - ours.start
        theirs = other_slices.get(name)
        if theirs is None:
            entry["problems"].append(f"{name}: missing from the merged result")
            continue
        if theirs.stop - theirs.start != ours.stop - ours.start or not np.array_equal(
            base["image_paths"][ours], other["image_paths"][theirs]
        ):
            entry["problems"].append(f"{name}: different frames in the merged result")
            continue
        mismatches = int(np.sum(base["presence"][ours] != other["presence"][theirs]))
        diff = float(np.max(np.abs(base["keypoints"][ours] - other["keypoints"][theirs]), initial=0.0))
        entry["presence_mismatches"] += mismatches
        entry["max_abs_diff"] = max(entry["max_abs_diff"], diff)
        if mismatches or diff > atol:
            entry["problems"].append(f"{name}: {mismatches} presence mismatches, max |diff| {diff:g}")
    return entry


def compare(baseline: KeypointSet, merged: KeypointSet, atol: float = 0.0) -> dict:
    """The verification report: presence must match and |difference| <= atol everywhere.

    One split in memory at a time: the merged split and the (small) baseline split.
    """
    report = {"passed": True, "atol": atol, "splits": {}}
    for split, base in baseline:
        entry = compare_split(base, merged.split(split) if split in merged.splits else None, atol)
        report["passed"] &= not entry["problems"]
        report["splits"][split] = entry
    return report


def require_passed(verification) -> None:
    """Refuse to go on from a verification report that says the results differ."""
    with open(verification, encoding="utf-8") as stream:
        if not json.load(stream)["passed"]:
            raise InputError(
                f"{verification} says verification failed; refusing to go on from unverified keypoints.\n"
                "Fix: delete results/shards and results/journal and rerun the workflow."
            )
