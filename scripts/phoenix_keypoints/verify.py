"""Compare a single-process baseline with the sharded result, video by video, on array slices.

Engine mediapipe: the result must equal the baseline (within atol, 0 by default). Engine torch: it must stay,
part by part, within MediaPipe's own noise (noise_floor.py): the baseline against MediaPipe on the same videos
with one pixel per frame changed, one run per seed.
"""

import json
import random
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .keypoint_sets import KeypointSet, video_slices
from .layout import PART_NAMES, part_slice
from .tables import read_videos
from .videos import Video


def sample_videos(videos: list[Video], per_split: int, seed: int) -> list[Video]:
    """A seeded sample of up to per_split videos of each split, in index order."""
    chosen = set()
    for split in dict.fromkeys(v.split for v in videos):
        keys = [v.key for v in videos if v.split == split]
        chosen.update(random.Random(f"{seed}/{split}").sample(keys, min(per_split, len(keys))))
    return [v for v in videos if v.key in chosen]


@dataclass(frozen=True)
class SampledRun:
    """What the baseline and each noise floor run extract (their rules' param `sample`): a seeded sample of
    videos_per_split videos of each split of the corpus, through MediaPipe with the holistic settings."""

    dataset_path: str  # the folder the corpus's sources are relative to
    splits: list[str]
    holistic: dict
    on_bad_frame: str
    videos_per_split: int
    seed: int

    def videos(self, corpus: str) -> list[Video]:
        return sample_videos(read_videos(corpus), self.videos_per_split, self.seed)


class PartErrors:
    """How far another run's keypoints are from the baseline's, per part, gathered video by video."""

    def __init__(self):
        self.frames = 0
        self.agreeing = np.zeros(len(PART_NAMES), dtype=np.int64)  # frames whose presence is the same
        self.compared = np.zeros(len(PART_NAMES), dtype=np.int64)  # frames where both have the part
        self.xy_px: list[list[np.ndarray]] = [[] for _ in PART_NAMES]
        self.z_px: list[list[np.ndarray]] = [[] for _ in PART_NAMES]
        # Signed x and y differences summed: a shift of a whole part (a bias) shows in their mean, where the mean
        # error hides it among the chaotic jumps of a few points.
        self.xy_sum_px = np.zeros((len(PART_NAMES), 2))

    def add(
        self,
        keypoints: np.ndarray,
        presence: np.ndarray,
        other_keypoints: np.ndarray,
        other_presence: np.ndarray,
        width: int,
        height: int,
    ) -> None:
        """One video: keypoints [n, 143, 3] and presence [n, 4] of the baseline and of the other run."""
        self.frames += len(presence)
        self.agreeing += np.sum(presence == other_presence, axis=0)
        both = presence & other_presence
        self.compared += np.sum(both, axis=0)
        for p, part in enumerate(PART_NAMES):
            # In pixels of the frame: x and y are normalised to its width and height, z to its width.
            diff = (
                keypoints[both[:, p], part_slice(part)].astype(np.float64)
                - other_keypoints[both[:, p], part_slice(part)]
            )
            self.xy_px[p].append(np.hypot(diff[..., 0] * width, diff[..., 1] * height).ravel())
            self.xy_sum_px[p] += diff[..., 0].sum() * width, diff[..., 1].sum() * height
            self.z_px[p].append(np.abs(diff[..., 2] * width).ravel())

    def figures(self) -> dict[str, dict]:
        """Per part: frames compared, presence agreement, x-y error mean, p99 and max, the length of the mean x-y
        difference (offset), z mean |difference|; None where there is nothing to compare."""
        figures = {}
        for p, part in enumerate(PART_NAMES):
            xy, z = np.concatenate(self.xy_px[p] or [np.zeros(0)]), np.concatenate(self.z_px[p] or [np.zeros(0)])
            figures[part] = {
                "frames_compared": int(self.compared[p]),
                "presence_agreement": float(self.agreeing[p] / self.frames) if self.frames else None,
                "mean_px": float(xy.mean()) if xy.size else None,
                "p99_px": float(np.percentile(xy, 99)) if xy.size else None,
                "max_px": float(xy.max()) if xy.size else None,
                "offset_px": float(np.hypot(*self.xy_sum_px[p] / xy.size)) if xy.size else None,
                "z_mean_abs_px": float(z.mean()) if z.size else None,
            }
        return figures


@dataclass(frozen=True)
class FloorLimits:
    """verify's settings for engine torch; the defaults are config/config.yaml's (benchmarks/verify_false_alarms.py
    chose them)."""

    floor_factor: float = 2.0
    floor_margin_px: float = 0.1
    presence_margin: float = 0.01


class VerificationFailed(Exception):
    """The keypoints differ beyond what verify allows: the message says where and what to do; the report is kept."""

    def __init__(self, message: str, report: dict):
        super().__init__(message)
        self.report = report


def _extreme(values: list, pick):
    present = [value for value in values if value is not None]
    return pick(present) if present else None


# The x-y figures verify judges against floor_factor x the floor's largest + floor_margin_px.
JUDGED_PX = ("mean_px", "p99_px", "offset_px")


def worst_floor(seeds: list[dict]) -> dict:
    """One part's floor over the seeds: the fewest frames, the lowest agreement, the largest errors."""
    worst = {key: _extreme([seed[key] for seed in seeds], max) for key in (*JUDGED_PX, "max_px", "z_mean_abs_px")}
    worst["frames_compared"] = min(seed["frames_compared"] for seed in seeds)
    worst["presence_agreement"] = _extreme([seed["presence_agreement"] for seed in seeds], min)
    return worst


def judge_part(engine: dict, seeds: list[dict], limits: FloorLimits) -> dict:
    """One part's entry of the report: the engine's figures against the limits the floor's seeds give."""
    floor = worst_floor(seeds)
    lowest_agreement = floor["presence_agreement"]
    # A floor without a figure (no frame where both had the part) allows the margin alone.
    limit = {key: limits.floor_factor * (floor[key] or 0.0) + limits.floor_margin_px for key in JUDGED_PX}
    limit["presence_agreement"] = None if lowest_agreement is None else lowest_agreement - limits.presence_margin
    beyond = [
        f"{key} {engine[key]:.4g} px > {limit[key]:.4g} px"
        for key in JUDGED_PX
        if engine[key] is not None and engine[key] > limit[key]
    ]
    agreement = engine["presence_agreement"]
    if agreement is not None and limit["presence_agreement"] is not None and agreement < limit["presence_agreement"]:
        beyond.append(f"presence_agreement {agreement:.4f} < {limit['presence_agreement']:.4f}")
    return {
        "passed": not beyond,
        "beyond": beyond,
        "limit": limit,
        "engine": engine,
        "floor": {"worst": floor, "seeds": seeds},
    }


def compare_split(
    base: dict,
    other: dict | None,
    atol: float | None,
    errors: PartErrors | None = None,
    other_name: str = "the merged result",
) -> dict:
    """One split's entry of the report: every baseline video against the same video in `other`.

    atol None: only the frames must be the same; the keypoints are judged per part, gathered into errors.
    """
    entry = {"videos": 0, "frames": 0, "max_abs_diff": 0.0, "presence_mismatches": 0, "problems": []}
    other_slices = video_slices(other) if other is not None else {}
    for i, (name, ours) in enumerate(video_slices(base).items()):
        entry["videos"] += 1
        entry["frames"] += ours.stop - ours.start
        theirs = other_slices.get(name)
        if theirs is None:
            entry["problems"].append(f"{name}: missing from {other_name}")
            continue
        if theirs.stop - theirs.start != ours.stop - ours.start or not np.array_equal(
            base["image_paths"][ours], other["image_paths"][theirs]
        ):
            entry["problems"].append(f"{name}: different frames in {other_name}")
            continue
        mismatches = int(np.sum(base["presence"][ours] != other["presence"][theirs]))
        diff = float(np.max(np.abs(base["keypoints"][ours] - other["keypoints"][theirs]), initial=0.0))
        entry["presence_mismatches"] += mismatches
        entry["max_abs_diff"] = max(entry["max_abs_diff"], diff)
        if errors is not None:
            errors.add(
                base["keypoints"][ours],
                base["presence"][ours],
                other["keypoints"][theirs],
                other["presence"][theirs],
                base["video_widths"][i],
                base["video_heights"][i],
            )
        if atol is not None and (mismatches or diff > atol):
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


def compare_with_floor(
    baseline: KeypointSet, merged: KeypointSet, floors: list[KeypointSet], limits: FloorLimits, atol: float = 0.0
) -> dict:
    """The verification report of engine torch: the same videos and frames as the baseline, and per part, over
    all sampled videos together, no farther from it than MediaPipe's own noise allows (floors: one run per seed).

    One split in memory at a time: the merged split, the (small) baseline split and its floor runs.
    """
    report = {"passed": True, "atol": atol, "splits": {}}
    engine_errors, floor_errors, floor_problems = PartErrors(), [PartErrors() for _ in floors], []
    for split, base in baseline:
        entry = compare_split(base, merged.split(split) if split in merged.splits else None, None, engine_errors)
        report["passed"] &= not entry["problems"]
        report["splits"][split] = entry
        for seed, (floor, errors) in enumerate(zip(floors, floor_errors, strict=True)):
            other = floor.split(split) if split in floor.splits else None
            floor_entry = compare_split(base, other, None, errors, f"the noise floor's seed {seed}")
            floor_problems += [f"{split}/{problem}" for problem in floor_entry["problems"]]
    engine_figures, seed_figures = engine_errors.figures(), [errors.figures() for errors in floor_errors]
    parts = {part: judge_part(engine_figures[part], [f[part] for f in seed_figures], limits) for part in PART_NAMES}
    report["passed"] &= not floor_problems and all(entry["passed"] for entry in parts.values())
    report["noise_floor"] = {"seeds": len(floors), **vars(limits), "problems": floor_problems, "parts": parts}
    return report


def failure_message(report: dict, verification: str) -> str:
    """Why verification failed, for the rule's error: videos or frames that differ, parts beyond the floor."""
    rerun = "Delete results/shards and results/journal and rerun; if it persists, report a bug."
    if "noise_floor" not in report:
        return f"the sharded result differs from the single-process baseline (report above). {rerun}"
    floor = report["noise_floor"]
    problems = [f"{split}/{problem}" for split, entry in report["splits"].items() for problem in entry["problems"]]
    lines = [f"the merged result lacks frames of the baseline: {'; '.join(problems)}. {rerun}"] if problems else []
    if floor["problems"]:
        lines.append(f"the noise floor lacks frames of the baseline: {'; '.join(floor['problems'])}. Report a bug.")
    beyond = [line for part, entry in floor["parts"].items() for line in _beyond_lines(part, entry, floor)]
    if beyond:
        seeds = floor["seeds"]
        lines += [
            f"the torch engine is farther from MediaPipe than MediaPipe's own noise ({seeds} seeds) allows:",
            *beyond,
            f"MediaPipe differs from itself this much when one pixel per frame changes by one level, and {seeds} "
            "seeds can under-estimate how much. Fix: rerun with more seeds (--config verify='{floor_seeds: "
            f"{2 * seeds}}}': only the new seeds' MediaPipe runs and verify run again); if it still fails, run with "
            "engine: mediapipe (exactly MediaPipe's keypoints), and report the difference as a bug of the engine.",
        ]
    return "\n".join([*lines, f"The report: above, and in {verification}."])


def _beyond_lines(part: str, entry: dict, floor: dict) -> list[str]:
    """One line per figure of a part beyond its limit: by how much, and where the engine ranks among the seeds."""
    lines = []
    for key in (*JUDGED_PX, "presence_agreement"):
        value, limit = entry["engine"][key], entry["limit"][key]
        if value is None or limit is None:
            continue
        higher_is_worse = key != "presence_agreement"
        if (value > limit) if higher_is_worse else (value < limit):
            seeds = [seed[key] for seed in entry["floor"]["seeds"] if seed[key] is not None]
            worse = sum((seed > value) if higher_is_worse else (seed < value) for seed in seeds)
            if higher_is_worse:
                how = f"{value:.4g} px > limit {limit:.4g} px ({floor['floor_factor']:g} x the seeds' largest + "
                how += f"{floor['floor_margin_px']:g} px), by {value - limit:.3g} px"
            else:
                how = f"{value:.4f} < limit {limit:.4f} (the seeds' lowest - {floor['presence_margin']:g}), by "
                how += f"{limit - value:.4f}"
            unit, digits = (" px", ".3g") if higher_is_worse else ("", ".4f")
            spread = f"{min(seeds):{digits}} to {max(seeds):{digits}}{unit}" if seeds else "nothing"
            rank = f"worse than all {len(seeds)}" if not worse else f"worse than {len(seeds) - worse} of {len(seeds)}"
            lines.append(f"  {part} {key}: {how}; MediaPipe's own seeds gave {spread}, the engine is {rank}")
    return lines


def check_passed(report: dict, verification: str) -> None:
    """Raise VerificationFailed, saying why and what to do, where the report says the keypoints differ."""
    if not report["passed"]:
        raise VerificationFailed(failure_message(report, verification), report)


def require_passed(verification) -> None:
    """Refuse to go on from a verification report that says the results differ."""
    with open(verification, encoding="utf-8") as stream:
        if not json.load(stream)["passed"]:
            raise InputError(
                f"{verification} says verification failed; refusing to go on from unverified keypoints.\n"
                "Fix: delete results/shards and results/journal and rerun the workflow."
            )
