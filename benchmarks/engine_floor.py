"""The torch engine free-running over every real clip at hand, judged as verify judges it (its per-part figures,
limits and config defaults) against MediaPipe's own noise floor: MediaPipe with one pixel per frame changed by one
level, once per seed. Prints each part's figures, where the engine ranks among the seeds, and whether verify's
default criterion passes, against the first `floor_seeds` seeds (the workflow's default) and against all of them.

    python benchmarks/engine_floor.py [--seeds 12] [--batch 4] [--processes N] [--json FILE]

tests/test_engine_free_running.py runs the same measurement (phoenix_keypoints.testing.floor) and asserts verify's
criterion.
"""

import os

import torch

from benchlib import Figures, argument_parser
from phoenix_keypoints.layout import PART_NAMES
from phoenix_keypoints.testing import trace as engine_trace
from phoenix_keypoints.testing.floor import FLOOR_SEEDS, VERIFY, judge, measure


def rank(value: float, seeds: list[float], higher_is_worse: bool) -> str:
    worse = sum(seed > value if higher_is_worse else seed < value for seed in seeds)
    return f"{worse} of {len(seeds)} seeds worse"


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=FLOOR_SEEDS, help=f"floor runs (default {FLOOR_SEEDS})")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--processes", type=int, default=os.cpu_count(), help="for MediaPipe's runs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = engine_trace.clip_names()[:2] if args.quick else engine_trace.clip_names()
    seeds = min(args.seeds, 2) if args.quick else args.seeds
    engine, floors, outputs = measure(names, seeds, args.batch, args.processes)
    figures = Figures("engine_floor", args.json)
    figures.note(f"{len(names)} clips, {sum(len(k) for k, _ in outputs.values())} frames, {seeds} seeds")
    judged = {count: judge(engine, floors[:count]) for count in sorted({min(VERIFY["floor_seeds"], seeds), seeds})}
    for part in PART_NAMES:
        for key in ("presence_agreement", "mean_px", "p99_px"):
            value = engine[part][key] or 0.0
            figures.add(f"engine_floor.{part}.engine_{key}", value, digits=4)
            figures.add(f"engine_floor.{part}.floor_{key}", judged[seeds][part]["floor"]["worst"][key] or 0.0, digits=4)
            seed_values = [floor[part][key] or 0.0 for floor in floors]
            seeds_text = " ".join(f"{v:.4f}" for v in seed_values)
            figures.note(f"{part} {key}: {rank(value, seed_values, key != 'presence_agreement')} (seeds: {seeds_text})")
        for count, parts in judged.items():
            verdict = "within" if parts[part]["passed"] else "beyond"
            figures.note(f"{part}: {verdict} verify's limits against {count} seeds {parts[part]['beyond']}")
    for count, parts in judged.items():
        figures.add(f"engine_floor.passed_{count}_seeds", float(all(p["passed"] for p in parts.values())), digits=0)
    figures.save()


if __name__ == "__main__":
    main()
