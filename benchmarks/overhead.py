"""Benchmark 2, overhead: the real extract job against the floor, on the same frames, side by side.

    python benchmarks/overhead.py [--copies 2] [--rounds 3] [--quick]

Alternates the floor loop (benchmarks/floor.py, one pass in a fresh process, as cold as the job's
worker) and the workflow up to extract with one shard and one worker
(snakemake --cores 1 --until extract, num_shards=1, threads_per_job=1, a fresh working directory
each round): floor, job, floor, job, ..., floor. Each job's CPU ratio is the mean CPU s per frame of
the floor runs around it over the job's (cpu_seconds / frames from the shard stats): 1.0 means the job
adds nothing per frame. The median over the rounds is reported; the job's start-up on its own. Beside
them, what PNG decoding (part of the floor) and the landmark conversion (the job's only per-frame
addition) cost per frame.
"""

import json
import statistics
import tempfile
from pathlib import Path

from benchlib import (
    Figures,
    argument_parser,
    floor_in_fresh_process,
    indexed_videos,
    per_frame_parts,
    read_tsv,
    run_snakemake,
)
from make_dataset import copy_sample


def run_job(workdir: Path, dataset: Path) -> dict:
    """One extraction job through Snakemake: the shard stats, its benchmark row and the whole command."""
    config = {"dataset_path": dataset, "num_shards": 1, "threads_per_job": 1}
    command = run_snakemake(workdir, "--cores", "1", "--until", "extract", config=config)
    stats = json.loads((workdir / "results/shards/shard_0.json").read_text())
    benchmark = read_tsv(workdir / "results/benchmarks/extract/shard_0.tsv")[0]
    return {"stats": stats, "job_wall": float(benchmark["s"]), "command": command}


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--copies", type=int, default=2, help="copies of the sample's videos to run over")
    parser.add_argument("--rounds", type=int, default=3, help="jobs, each between two floor runs")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    figures = Figures("overhead", args.json)
    with tempfile.TemporaryDirectory(prefix="phoenix-bench-overhead-") as temp:
        dataset = Path(temp) / "PHOENIX-2014-T"
        copy_sample(dataset, 1 if args.quick else args.copies)
        floors, jobs = [floor_in_fresh_process(dataset, Path(temp) / "floor0.out")[0]], []
        for i in range(rounds):
            jobs.append(run_job(Path(temp) / f"work{i}", dataset))
            floors.append(floor_in_fresh_process(dataset, Path(temp) / f"floor{i + 1}.out")[0])
        parts = per_frame_parts(max((paths for _, paths in indexed_videos(dataset)), key=len))
    cpu_ratios, wall_ratios = [], []
    for i, job in enumerate(jobs):
        stats = job["stats"]
        floor_cpu = statistics.mean(f.cpu_per_frame for f in floors[i : i + 2])
        floor_wall = statistics.mean(f.wall / f.frames for f in floors[i : i + 2])
        job_cpu, job_wall = stats["cpu_seconds"] / stats["frames"], stats["seconds"] / stats["frames"]
        cpu_ratios.append(floor_cpu / job_cpu)
        wall_ratios.append(floor_wall / job_wall)
        figures.note(
            f"round {i + 1}: floor {1000 * floors[i].cpu_per_frame:.2f} and {1000 * floors[i + 1].cpu_per_frame:.2f} "
            f"ms CPU/frame, job {1000 * job_cpu:.2f}: CPU ratio {cpu_ratios[-1]:.3f}, wall ratio {wall_ratios[-1]:.3f}"
        )
    stats = [job["stats"] for job in jobs]
    figures.add("overhead.frames", stats[0]["frames"], digits=0)
    figures.add("overhead.floor_cpu_ms_per_frame", 1000 * statistics.median(f.cpu_per_frame for f in floors), "ms")
    figures.add(
        "overhead.job_cpu_ms_per_frame", 1000 * statistics.median(s["cpu_seconds"] / s["frames"] for s in stats), "ms"
    )
    figures.add("overhead.cpu_ratio", statistics.median(cpu_ratios), "floor/job", goal=">= 0.95")
    figures.add("overhead.wall_ratio", statistics.median(wall_ratios), "floor/job")
    figures.add("overhead.png_decode_ms_per_frame", 1000 * parts["png_decode"], "ms (part of the floor)")
    figures.add("overhead.landmark_conversion_us_per_frame", 1e6 * parts["landmark_conversion"], "us", digits=1)
    figures.add("overhead.job_startup_seconds", statistics.median(s["startup_seconds"] for s in stats), "s")
    outside = [job["job_wall"] - job["stats"]["seconds"] for job in jobs]
    figures.add("overhead.job_seconds_outside_frames", statistics.median(outside), "s")
    figures.add("overhead.command_wall_seconds", statistics.median(job["command"].wall for job in jobs), "s")
    outside_cpu = [job["command"].cpu - job["stats"]["cpu_seconds"] for job in jobs]
    figures.add("overhead.command_cpu_outside_frames", statistics.median(outside_cpu), "s")
    figures.save()


if __name__ == "__main__":
    main()
