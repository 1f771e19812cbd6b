"""Merge shard files (results/shards/shard_N.pkl) into per-split arrays, every indexed frame exactly once."""

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from .atomic import read_input_pickle
from .errors import InputError, problem_list
from .keypoint_sets import SplitAssembler, annotation_columns, sets_from_records
from .videos import Video

log = logging.getLogger(__name__)


def _refuse(problems: list[str], what: str, fix: str) -> None:
    if problems:
        raise InputError(problem_list(f"{what} ({len(problems)} problems):", problems, fix))


def read_shard(path: str | Path) -> dict:
    """A shard file ({'shard', 'settings', 'videos': [per-video records]}), checked to be one."""
    shard = read_input_pickle(path, "rerun the extraction of that shard.")
    if not (isinstance(shard, dict) and {"videos", "settings"} <= set(shard)):
        raise InputError(
            f"{path} is not a shard file (results/shards/shard_N.pkl, written by the extraction jobs).\n"
            "Fix: pass shard files; a merged keypoint file needs no merging."
        )
    return shard


class _Settings:
    """The extraction settings of the shards: all must agree."""

    def __init__(self):
        self.seen: dict[str, dict] = {}

    def add(self, settings: dict) -> None:
        self.seen[str(settings)] = settings

    def common(self) -> dict | None:
        if len(self.seen) > 1:
            raise InputError(
                f"the shards were extracted with different settings: {list(self.seen)}.\n"
                "Fix: merge only shards of one run (one results/shards folder)."
            )
        return next(iter(self.seen.values()), None)


def decoded_counts(stats_files: Iterable[str | Path]) -> dict[str, int]:
    """Frames decoded per video (split/video_id), from the extraction jobs' stats (shard_N.json): a video file's
    true count, which its container may misstate. A missing stats file is refused by name."""
    counts = {}
    for path in stats_files:
        if not Path(path).is_file():
            raise InputError(
                f"{path} is missing: the decoded frame counts of its shard, written beside shard_N.pkl.\n"
                "Fix: rerun the extraction of that shard (delete its shard_N.pkl), or pass the shard's own stats."
            )
        counts |= json.loads(Path(path).read_text(encoding="utf-8")).get("video_frames", {})
    return counts


def merge_indexed(
    index: list[Video], shard_files: list[str | Path], stats_files: list[str | Path], splits: list[str]
) -> dict[str, dict]:
    """{split: arrays} in index order, reading one shard at a time; every indexed frame exactly once (a video
    file's frames as decoded, from the shards' stats_files)."""
    decoded = decoded_counts(stats_files)
    columns = annotation_columns(video.annotations for video in index)
    assemblers = {
        split: SplitAssembler([v.video_id for v in found], [decoded.get(v.key, v.n_frames) for v in found], columns)
        for split in splits
        for found in [[v for v in index if v.split == split]]
    }
    settings, problems = _Settings(), []
    for path in shard_files:
        shard = read_shard(path)
        settings.add(shard["settings"])
        for record in shard["videos"]:
            assembler = assemblers.get(record["split"])
            key = f"{record['split']}/{record['video_id']}"
            if assembler is None:
                problem = "is not in the index"
            elif key not in decoded:
                problem = "has no decoded frame count in the stats given (pass this shard's shard_N.json)"
            else:
                problem = assembler.put(record)
            if problem:
                problems.append(f"{record['split']}/{record['video_id']} in {path} {problem}")
    for split, assembler in assemblers.items():
        problems += [f"{split}/{name} is missing from every input" for name in assembler.missing()]
    _refuse(
        problems,
        "the results do not match the index",
        "rerun the extraction for the affected shards (delete their results/shards/shard_N.pkl), "
        "or re-index if the dataset changed.",
    )
    common = settings.common()
    return {split: assembler.arrays(common) for split, assembler in assemblers.items()}


def merge_unindexed(shard_files: Iterable[str | Path], splits: list[str] | None) -> dict[str, dict]:
    """{split: arrays} in input order; a video found twice is refused, a missing one cannot be noticed."""
    settings, records, sources, problems = _Settings(), [], {}, []
    for path in shard_files:
        shard = read_shard(path)
        settings.add(shard["settings"])
        for record in shard["videos"]:
            key = f"{record['split']}/{record['video_id']}"
            if key in sources:
                problems.append(f"{key} appears twice (in {sources[key]} and {path})")
                continue
            sources[key] = path
            records.append(record)
    _refuse(
        problems,
        "the same video is in more than one input",
        "pass the shard files of one run once each (all from one results/shards folder).",
    )
    return sets_from_records(records, splits or list(dict.fromkeys(r["split"] for r in records)), settings.common())


def log_sets(sets: dict[str, dict]) -> None:
    for split, arrays in sets.items():
        log.info(
            "%s: %d videos, %d frames, %d bad frames",
            split,
            len(arrays["video_names"]),
            len(arrays["keypoints"]),
            len(arrays["bad_frame_rows"]),
        )
