"""Benchmark 5, projection: full-dataset time from the measured figures, as a Markdown table.

    python benchmarks/projection.py --figures results/bench

Reads the JSON figures that floor.py, overhead.py, scaling.py and real_scale.py wrote (--json) into
--figures, and projects a full run (947,756 frames) with `snakemake --cores C --resources gpu=J`:

    extraction = (frames + baseline frames) x job CPU per frame / C  +  ceil(shards / J) x job start-up
    total      = extraction + index + merge + verify + prepare + full_pickle (measured at full scale here)

Job CPU per frame = the floor's CPU per frame / the overhead CPU ratio. It assumes cores as fast as this
machine's, every core busy with MediaPipe (CPU time is what limits, as benchmark 3 shows), and
num_shards from config/config.yaml. The old scripts: 4 processes at about 1 frame/s each.
"""

import json
from pathlib import Path

from benchlib import FULL_DATASET_FRAMES, Figures, argument_parser, default_num_shards

# figure name: (row title, cores, concurrent extraction jobs = --resources gpu=N)
NODES = {"this_machine": ("this machine", 2, 1), "16_core": ("16-core node", 16, 4), "64_core": ("64-core node", 64, 4)}
BASELINE_FRAMES = 6 * 115  # rule baseline: 2 videos per split, ~115 frames per video
OLD_PROCESSES, OLD_FRAMES_PER_SECOND = 4, 1.0
SERIAL_STEPS = ("index_rule", "merge", "verify", "prepare", "full_pickle")


def load_figures(folder: Path) -> dict[str, float]:
    figures = {}
    for name in ("floor", "overhead", "scaling", "real_scale"):
        path = folder / f"{name}.json"
        if not path.is_file():
            raise SystemExit(f"{path} is missing: run benchmarks/{name}.py --json {path} first (make bench does)")
        figures |= json.loads(path.read_text())
    return figures


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--figures", type=Path, default=Path("results/bench"), help="folder of the JSON figures")
    args = parser.parse_args()
    measured = load_figures(args.figures)
    figures = Figures("projection", args.json)
    job_cpu = measured["floor.cpu_ms_per_frame"] / 1000 / measured["overhead.cpu_ratio"]
    startup_wall = max(measured["scaling.job_startup_wall_seconds"], 0.0)
    serial = sum(measured[f"real_scale.{step}_seconds"] for step in SERIAL_STEPS)
    shards = default_num_shards()
    frames = FULL_DATASET_FRAMES + BASELINE_FRAMES
    figures.note(
        f"job CPU per frame {1000 * job_cpu:.1f} ms (floor {measured['floor.cpu_ms_per_frame']:.1f} ms / overhead "
        f"ratio {measured['overhead.cpu_ratio']:.3f}); job start-up {startup_wall:.1f} s; {shards} shards; "
        f"index + merge + verify + prepare + full_pickle {serial:.0f} s"
    )
    rows = ["| where | cores | jobs x workers | extraction | start-up | index to full_pickle | total |"]
    rows.append("|---|---|---|---|---|---|---|")
    for name, (node, cores, jobs) in NODES.items():
        extraction = frames * job_cpu / cores
        startup = -(-shards // jobs) * startup_wall
        total = extraction + startup + serial
        rows.append(
            f"| {node} | {cores} | {jobs} x {cores // jobs} | {hours(extraction)} | {startup:.0f} s | {serial:.0f} s "
            f"| **{hours(total)}** |"
        )
        figures.add(f"projection.{name}_hours", total / 3600, "h", digits=2)
    old = FULL_DATASET_FRAMES / (OLD_PROCESSES * OLD_FRAMES_PER_SECOND)
    rows.append(f"| old scripts | - | {OLD_PROCESSES} processes x ~1 frame/s | | | | **{hours(old)}** (66-88 h) |")
    figures.add("projection.old_scripts_hours", old / 3600, "h", digits=1)
    print("\n".join(rows))
    figures.save()


if __name__ == "__main__":
    main()
