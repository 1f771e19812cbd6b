"""verify's criterion for the torch engine, measured: how often it fails a faithful engine (false alarms) and how
often it catches a real defect, per number of floor seeds k and sample size (videos_per_split).

    python benchmarks/verify_false_alarms.py [--seeds 20] [--trials 1000] [--processes N] [--cache FILE]

The faithful "engine" is MediaPipe itself under one seed of the one-level noise (noise_floor.perturb), judged by
verify's own code (verify.judge_part) against a floor from k other seeds; an engine that behaves like one more
MediaPipe run should pass. The defects: that engine with its pose moved 0.5 px to the right, and with its left
hand (the part whose floor is widest) dropped on 2% of the sample's frames (chosen among frames that have it).

MediaPipe runs once per clip and seed, over every real clip at hand (the sample's videos and the clips in
../shared/data, engine_trace.clip_names), cached in --cache. A trial then builds a sample at the real dataset's
scale: videos_per_split videos of each split, their lengths drawn from the release's frame counts
(../shared/data/phoenix-2014-t-annotations/frame_counts.tsv), each made of whole clips one after another (the last
one cut); each clip of the sample gets its own random choice of the engine's seed and the k floor seeds among the
cached ones, so that runs stay exchangeable, as MediaPipe's seeds are. The p99 figures come from histograms with
bins 2% wide (p99 within 1%).
"""

import csv
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import yaml

from benchlib import Figures, argument_parser
from phoenix_keypoints.layout import PART_NAMES, part_slice
from phoenix_keypoints.testing import REPO, SHARED_DATA
from phoenix_keypoints.testing import trace as engine_trace
from phoenix_keypoints.verify import FloorLimits, judge_part

FRAME_COUNTS = SHARED_DATA / "phoenix-2014-t-annotations" / "frame_counts.tsv"
VERIFY = yaml.safe_load((REPO / "config/config.yaml").read_text())["verify"]
SEED_COUNTS = (3, 6, 12)
VIDEOS_PER_SPLIT = (2, 5, 10)
POSE_BIAS_PX = 0.5
DROPPED_HAND, DROPPED_SHARE = "left_hand", 0.02
# Histogram bins of the x-y errors: 0, then 1e-4 px to 1e3 px, each bin 2% wider than the last.
EDGES = np.concatenate([[0.0], 1e-4 * 1.02 ** np.arange(int(np.log(1e7) / np.log(1.02)) + 2)])
CENTRES = np.concatenate([[0.0], np.sqrt(EDGES[1:-1] * EDGES[2:])])


def mediapipe_run(names: list[str], seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's keypoints [frames, 143, 3] and presence [frames, 4] over the clips one after another, each
    perturbed with `seed` (None: as they are)."""
    runs = engine_trace.mediapipe_run(names, seed)
    return np.concatenate([runs[n][0] for n in names]), np.concatenate([runs[n][1] for n in names])


def mediapipe_cache(path: Path, seeds: int, processes: int, names: list[str]) -> dict:
    """MediaPipe over the clips, as they are and under each seed: computed once, then read from `path`."""
    if path.is_file():
        cached = dict(np.load(path))
        if list(cached["names"]) == names and len(cached["seed_keypoints"]) >= seeds:
            return cached
    with ProcessPoolExecutor(processes, get_context("spawn")) as pool:
        jobs = [pool.submit(mediapipe_run, names, seed) for seed in [None, *range(seeds)]]
        (keypoints, presence), *runs = [job.result() for job in jobs]
    lengths = [len(engine_trace.read_clip(name)) for name in names]
    sizes = [engine_trace.read_clip(name)[0].shape[1::-1] for name in names]
    cached = {
        "names": np.array(names),
        "lengths": np.array(lengths),
        "sizes": np.array(sizes),
        "keypoints": keypoints,
        "presence": presence,
        "seed_keypoints": np.stack([k for k, _ in runs]),
        "seed_presence": np.stack([p for _, p in runs]),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **cached)
    return cached


class FrameStats:
    """Per seed and frame, cumulated over the frames: what verify's figures add up, so that the figures of any
    run of consecutive frames are two look-ups."""

    def __init__(self, cached: dict, seeds: int):
        lengths, sizes = cached["lengths"], cached["sizes"]
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.lengths = lengths
        scale = np.repeat(sizes, lengths, axis=0).astype(np.float64)  # [frames, (width, height)]
        base_keypoints, base_presence = cached["keypoints"].astype(np.float64), cached["presence"]
        self.base_presence = base_presence
        self.seed_presence = cached["seed_presence"][:seeds]
        agree = self.seed_presence == base_presence
        both = self.seed_presence & base_presence
        # [seed, frame, part] counts, and [seed, frame, part, bin] histograms; the pose moved by the bias as a
        # fifth "part" (what the biased engine's pose figures add up).
        sums, signed_sums, counts, histograms = [], [], [], []
        for p, part in enumerate([*PART_NAMES, "pose"]):
            diff = base_keypoints[:, part_slice(part), :2] - cached["seed_keypoints"][:seeds, :, part_slice(part), :2]
            diff_px = diff * scale[None, :, None, :]
            if p == len(PART_NAMES):
                diff_px[..., 0] -= POSE_BIAS_PX
            error = np.hypot(diff_px[..., 0], diff_px[..., 1])
            error[~both[:, :, PART_NAMES.index(part)]] = np.nan
            diff_px[np.isnan(error)] = 0.0
            signed_sums.append(diff_px.sum(axis=2))  # [seed, frame, (x, y)]
            sums.append(np.nansum(error, axis=2))
            counts.append(np.sum(~np.isnan(error), axis=2))
            bins = np.searchsorted(EDGES, np.nan_to_num(error, nan=-1.0), side="right") - 1  # nan -> -1: none
            histogram = np.zeros((*error.shape[:2], len(EDGES)), np.int32)
            seed_index, frame_index, _ = np.nonzero(bins >= 0)
            np.add.at(histogram, (seed_index, frame_index, bins[bins >= 0]), 1)
            histograms.append(histogram)

        def cumulated(values: np.ndarray) -> np.ndarray:  # along frames, with a leading zero row
            zero = np.zeros_like(values[:, :1])
            return np.concatenate([zero, np.cumsum(values, axis=1)], axis=1)

        self.agree = cumulated(agree.astype(np.int32))  # [seed, frame + 1, part]
        self.sums = cumulated(np.stack(sums, axis=2))  # [seed, frame + 1, part + 1]
        self.signed_sums = cumulated(np.stack(signed_sums, axis=2))  # [seed, frame + 1, part + 1, (x, y)]
        self.counts = cumulated(np.stack(counts, axis=2))
        self.histograms = cumulated(np.stack(histograms, axis=2))  # [seed, frame + 1, part + 1, bin]


def part_figures(sums, signed_sums, counts, histogram, agree, frames) -> dict:
    """verify's figures of one part (PartErrors.figures) from its totals."""
    # max and z are not judged: left out.
    figures = {
        "frames_compared": int(counts),
        "presence_agreement": agree / frames,
        "max_px": None,
        "z_mean_abs_px": None,
    }
    if not counts:
        return figures | {"mean_px": None, "p99_px": None, "offset_px": None}
    rank = np.searchsorted(np.cumsum(histogram), 0.99 * counts)
    return figures | {
        "mean_px": sums / counts,
        "p99_px": float(CENTRES[min(rank, len(CENTRES) - 1)]),
        "offset_px": float(np.hypot(*signed_sums / counts)),
    }


def draw_sample(rng, stats: FrameStats, lengths_by_split: dict, per_split: int) -> tuple[np.ndarray, np.ndarray]:
    """A sample at the real scale: (first frame, frames) of each clip piece in it."""
    starts, takes = [], []
    for lengths in lengths_by_split.values():
        for length in rng.choice(lengths, size=min(per_split, len(lengths)), replace=False):
            while length > 0:
                clip = rng.integers(len(stats.lengths))
                take = min(length, stats.lengths[clip])
                starts.append(stats.starts[clip])
                takes.append(take)
                length -= take
    return np.array(starts), np.array(takes)


def trial(rng, stats: FrameStats, lengths_by_split: dict, per_split: int, k: int) -> dict:
    """One verify run on a fresh sample: each role's figures per part, role 0 the engine, 1..k the floor's seeds;
    and the engine's figures under each defect."""
    starts, takes = draw_sample(rng, stats, lengths_by_split, per_split)
    seeds = np.argsort(rng.random((len(starts), len(stats.seed_presence))), axis=1)[:, : k + 1]  # [piece, role]
    ends = starts + takes

    def total(cumulated: np.ndarray) -> np.ndarray:  # [role, ...] over the pieces
        return (cumulated[seeds, ends[:, None]] - cumulated[seeds, starts[:, None]]).sum(axis=0)

    frames = int(takes.sum())
    agree, sums, signed, counts, histograms = (
        total(a) for a in (stats.agree, stats.sums, stats.signed_sums, stats.counts, stats.histograms)
    )
    roles = [
        {
            part: part_figures(sums[r, p], signed[r, p], counts[r, p], histograms[r, p], agree[r, p], frames)
            for p, part in enumerate(PART_NAMES)
        }
        for r in range(k + 1)
    ]
    pose, biased = PART_NAMES.index("pose"), len(PART_NAMES)
    bias = dict(roles[0])
    bias["pose"] = part_figures(
        sums[0, biased], signed[0, biased], counts[0, biased], histograms[0, biased], agree[0, pose], frames
    )
    # The dropped hand: chosen frames where the engine had it; where the baseline had it too, agreement is lost,
    # where it did not, gained. (Their x-y errors leave the figures too: 2% of the frames, left in.)
    hand = PART_NAMES.index(DROPPED_HAND)
    frame_index = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
    engine_seed = np.repeat(seeds[:, 0], takes)
    had = stats.seed_presence[engine_seed, frame_index, hand]
    dropped = rng.choice(np.flatnonzero(had), size=min(int(had.sum()), round(DROPPED_SHARE * frames)), replace=False)
    base_had = int(stats.base_presence[frame_index[dropped], hand].sum())
    drop = dict(roles[0])
    drop[DROPPED_HAND] = roles[0][DROPPED_HAND] | {
        "presence_agreement": (agree[0, hand] - base_had + (len(dropped) - base_had)) / frames
    }
    return {"floor": roles[1:], "faithful": roles[0], "pose_bias": bias, "hand_dropped": drop, "frames": frames}


def passes(engine: dict, floor: list[dict], limits: FloorLimits) -> bool:
    return all(judge_part(engine[part], [seed[part] for seed in floor], limits)["passed"] for part in PART_NAMES)


def rates(results: list[dict], limits: FloorLimits) -> dict:
    """Share of the runs verify fails, per engine: false alarms for the faithful one, detection for the others."""
    return {
        engine: float(np.mean([not passes(r[engine], r["floor"], limits) for r in results]))
        for engine in ("faithful", "pose_bias", "hand_dropped")
    }


def frame_counts() -> dict[str, np.ndarray]:
    with open(FRAME_COUNTS, encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    splits = dict.fromkeys(row["split"] for row in rows)
    return {split: np.array([int(r["num_frames"]) for r in rows if r["split"] == split]) for split in splits}


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="MediaPipe runs cached (default 20; > the largest k)")
    parser.add_argument("--trials", type=int, default=1000, help="verify runs per k and sample size (default 1000)")
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="for MediaPipe's runs")
    parser.add_argument("--cache", type=Path, help="MediaPipe's runs (default: in the temporary folder)")
    for key, value in VERIFY.items():
        if key in ("floor_factor", "floor_margin_px", "presence_margin"):
            parser.add_argument(f"--{key}", type=float, default=value, help=f"verify's {key} (default {value})")
    args = parser.parse_args()
    names = engine_trace.clip_names()[:2] if args.quick else engine_trace.clip_names()
    seeds, trials = (4, 20) if args.quick else (args.seeds, args.trials)
    seed_counts = (3,) if args.quick else SEED_COUNTS
    cache = args.cache or Path(tempfile.gettempdir()) / f"verify_false_alarms_{len(names)}clips.npz"
    stats = FrameStats(mediapipe_cache(cache, seeds, args.processes, names), seeds)
    lengths = frame_counts()
    limits = FloorLimits(args.floor_factor, args.floor_margin_px, args.presence_margin)
    figures = Figures("verify_false_alarms", args.json)
    figures.note(f"{len(names)} clips, {len(stats.base_presence)} frames, {seeds} seeds cached in {cache}")
    figures.note(f"limits: {vars(limits)}; {trials} runs per cell")
    figures.note("k seeds | videos/split | frames | faithful failed | pose +0.5 px caught | left hand -2% caught")
    rng = np.random.default_rng(0)
    for k in seed_counts:
        for per_split in VIDEOS_PER_SPLIT:
            results = [trial(rng, stats, lengths, per_split, k) for _ in range(trials)]
            rate = rates(results, limits)
            frames = np.mean([r["frames"] for r in results])
            figures.note(
                f"{k:7d} | {per_split:12d} | {frames:6.0f} | {rate['faithful']:15.3f} | {rate['pose_bias']:19.3f}"
                f" | {rate['hand_dropped']:20.3f}"
            )
            name = f"verify_false_alarms.k{k}_v{per_split}"
            figures.add(f"{name}.false_alarms", rate["faithful"])
            figures.add(f"{name}.pose_bias_caught", rate["pose_bias"])
            figures.add(f"{name}.hand_dropped_caught", rate["hand_dropped"])
    figures.save()


if __name__ == "__main__":
    main()
