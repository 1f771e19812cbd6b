"""Benchmark 3, scaling: the whole workflow on ~2,000 frames against the machine's CPU limit.

    python benchmarks/scaling.py [--copies 18] [--cores 2 1] [--quick]

The dataset is the sample's videos copied under new names (make_dataset.py copies). For each --cores N
the full workflow runs in a fresh working directory (snakemake --cores N, default config), and once more
with --cores 2 and num_shards=1, which shows what the repeated job start-ups cost at this size. MediaPipe
frames are the extracted frames plus the baseline's (rule baseline runs MediaPipe again on the verify
sample). The limit is N cores / the floor's CPU s per frame; efficiency = frames/s over that limit, with
every Snakemake, index, start-up, merge, verify, prepare and full_pickle second counted. The CPU efficiency (floor CPU
x frames / CPU of the whole run) does not depend on other load on the machine. The extraction efficiency
counts only the jobs' time from their first to their last frame (what a full run is made of).

It then measures one extraction job's start-up (CPU: --until extract with 1 shard, then with one shard
per video, --cores 1, the difference per extra job; wall: the job's time outside its frames) and
projects, for the default num_shards and others, the share of a full run (947,756 frames) that job
start-up takes on 16- and 64-core nodes.
"""

import json
import statistics
import tempfile
from pathlib import Path

from benchlib import (
    FULL_DATASET_FRAMES,
    Figures,
    argument_parser,
    default_num_shards,
    floor_in_fresh_process,
    indexed_videos,
    read_tsv,
    run_snakemake,
)
from make_dataset import copy_sample
from phoenix_keypoints.keypoint_sets import KeypointSet
from phoenix_keypoints.plan import BASELINE

# Full-scale nodes: cores and --resources gpu=N (concurrent extraction jobs); workers = cores / jobs.
NODES = {"16-core": (16, 4), "64-core": (64, 4)}
SHARD_CHOICES = (4, 8, 16, 32, 64, 128)


def shard_results(workdir: Path) -> list[tuple[dict, float]]:
    """Each extraction job's stats and its wall seconds as Snakemake measured it."""
    results = []
    for path in sorted((workdir / "results/shards").glob("shard_*.json")):
        bench = read_tsv(workdir / "results/benchmarks/extract" / f"{path.stem}.tsv")[0]
        results.append((json.loads(path.read_text()), float(bench["s"])))
    return results


def run_workflow(workdir: Path, dataset: Path, cores: int, config: dict) -> dict:
    """The whole workflow: its usage, the MediaPipe frames it ran and the time it spent starting jobs."""
    usage = run_snakemake(workdir, "--cores", str(cores), config={"dataset_path": dataset, **config})
    shards = shard_results(workdir)
    baseline = KeypointSet(workdir / BASELINE)
    other_rules = sum(
        float(read_tsv(workdir / "results/benchmarks" / f"{rule}.tsv")[0]["s"])
        for rule in ("index", "merge", "verify", "prepare", "full_pickle")
    )
    return {
        "name": f"cores{cores}" + (f"_shards{config['num_shards']}" if "num_shards" in config else ""),
        "cores": cores,
        "usage": usage,
        "jobs": len(shards),
        "workers": sum(stats["workers"] for stats, _ in shards),
        "extracted": sum(stats["extracted_frames"] for stats, _ in shards),
        "baseline_frames": sum(len(arrays["keypoints"]) for _, arrays in baseline),
        "startup": sum(job_wall - stats["seconds"] for stats, job_wall in shards if stats["extracted_frames"]),
        "frame_seconds": sum(stats["seconds"] for stats, _ in shards),
        "other_rules": other_rules,
    }


def report_workflow(figures: Figures, run: dict, floor_cpu: float, job_cpu: float, worker_cpu: float) -> None:
    cores, usage = run["cores"], run["usage"]
    frames = run["extracted"] + run["baseline_frames"]
    fixed_cpu = usage.cpu - floor_cpu * frames
    startups_cpu = run["jobs"] * job_cpu + (run["workers"] - run["jobs"]) * worker_cpu
    figures.note(
        f"{run['name']}: {run['extracted']} frames extracted by {run['jobs']} jobs ({run['workers']} workers) + "
        f"{run['baseline_frames']} by rule baseline in {usage.wall:.1f} s wall, {usage.cpu:.1f} s CPU; "
        f"extraction jobs outside their frames {run['startup']:.1f} s wall in all; "
        f"index, merge, verify, prepare, full_pickle {run['other_rules']:.1f} s"
    )
    figures.note(
        f"{run['name']}: CPU beyond the floor's {fixed_cpu:.1f} s ({fixed_cpu / (floor_cpu * frames):.0%} of the "
        f"MediaPipe work), of which job and worker start-ups about {startups_cpu:.1f} s"
    )
    name, limit = f"scaling.{run['name']}", cores / floor_cpu
    figures.add(f"{name}.wall_seconds", usage.wall, "s", digits=1)
    figures.add(f"{name}.frames_per_second", frames / usage.wall, "frames/s", digits=2)
    figures.add(f"{name}.limit_frames_per_second", limit, "frames/s", digits=2)
    goal = ">= 0.9" if cores == 2 else None
    figures.add(f"{name}.efficiency", frames / usage.wall / limit, "of the limit", goal=goal)
    figures.add(f"{name}.cpu_efficiency", floor_cpu * frames / usage.cpu, "floor CPU / run CPU")
    figures.add(f"{name}.job_startup_share", run["startup"] / usage.wall, "of the wall time")
    # Jobs here run one at a time (threads_per_job = cores), so their frame seconds add up.
    extraction = run["extracted"] / run["frame_seconds"] / limit
    figures.add(f"{name}.extraction_efficiency", extraction, "of the limit, from first to last frame of each job")


def job_startup(figures: Figures, temp: Path, dataset: Path, videos: int, extra_config: dict) -> tuple[float, float]:
    """CPU and wall seconds that one more extraction job (one worker) costs."""
    usages = {}
    for shards in (1, videos):
        config = {"dataset_path": dataset, "num_shards": shards, "threads_per_job": 1, **extra_config}
        usages[shards] = run_snakemake(temp / f"startup{shards}", "--cores", "1", "--until", "extract", config=config)
    cpu = (usages[videos].cpu - usages[1].cpu) / (videos - 1)
    jobs = shard_results(temp / f"startup{videos}")
    wall = statistics.median(job_wall - stats["seconds"] for stats, job_wall in jobs)
    figures.add("scaling.job_startup_cpu_seconds", cpu, "s per job (1 worker)")
    figures.add("scaling.job_startup_wall_seconds", wall, "s per job, outside its frames")
    return cpu, wall


def project_startup(figures: Figures, floor_cpu: float, job_cpu: float, job_wall: float, worker_cpu: float) -> None:
    """Share of a full run that job start-up takes, by num_shards, on each node: CPU share and wall share."""
    full_cpu = FULL_DATASET_FRAMES * floor_cpu
    default = default_num_shards()
    figures.note(
        f"full run: {FULL_DATASET_FRAMES} frames x {1000 * floor_cpu:.1f} ms = {full_cpu / 3600:.1f} CPU hours"
    )
    figures.note("start-up share of a full run (CPU share / wall share), by num_shards:")
    figures.note(f"{'num_shards':>12}" + "".join(f"{node:>22}" for node in NODES))
    default_shares = {}
    for shards in sorted({*SHARD_CHOICES, default}):
        cells = []
        for cores, jobs in NODES.values():
            workers = cores // jobs
            startup_cpu = shards * (job_cpu + (workers - 1) * worker_cpu)
            waves = -(-shards // jobs)  # jobs that one slot runs one after the other
            idle_slots = (waves * jobs - shards) / (waves * jobs)  # a last wave with free slots
            wall_share = waves * job_wall / (full_cpu / cores) + idle_slots
            cells.append(f"{startup_cpu / full_cpu:8.2%} / {wall_share:7.2%}")
            if shards == default:
                default_shares[cores] = wall_share
        mark = " (default)" if shards == default else ""
        figures.note(f"{shards:>12}" + "".join(f"{cell:>22}" for cell in cells) + mark)
    for cores, share in default_shares.items():
        figures.add(f"scaling.default_shards_startup_wall_share_{cores}core", share, "", goal="< 0.02", digits=4)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--copies", type=int, default=18, help="copies of the sample (18 x 110 = 1,980 frames)")
    parser.add_argument("--cores", type=int, nargs="+", default=[2, 1])
    args = parser.parse_args()
    figures = Figures("scaling", args.json)
    # --quick: one copy and the first video of each split only.
    copies, config, cores_list = (1, {"max_samples_per_split": 1}, [2]) if args.quick else (args.copies, {}, args.cores)
    with tempfile.TemporaryDirectory(prefix="phoenix-bench-scaling-") as temp:
        temp = Path(temp)
        sample, dataset = temp / "sample", temp / "PHOENIX-2014-T"
        copy_sample(sample, 1)
        figures.add("scaling.dataset_frames", copy_sample(dataset, copies), digits=0)
        floors = [floor_in_fresh_process(sample, temp / "floor_before.out")]
        runs = [run_workflow(temp / f"cores{cores}", dataset, cores, config) for cores in cores_list]
        if not args.quick:
            runs.append(run_workflow(temp / "shards1", dataset, 2, {"num_shards": 1}))
        floors.append(floor_in_fresh_process(sample, temp / "floor_after.out"))
        videos = 3 if args.quick else len(indexed_videos(sample))
        job_cpu, job_wall = job_startup(figures, temp, sample, videos, config)
    floor_cpu = statistics.mean(run.cpu_per_frame for run, _ in floors)
    worker_cpu = statistics.mean(usage.cpu - run.cpu for run, usage in floors)
    figures.add("scaling.floor_cpu_ms_per_frame", 1000 * floor_cpu, "ms")
    figures.add("scaling.worker_startup_cpu_seconds", worker_cpu, "s (a fresh process: imports and Holistic)")
    for run in runs:
        report_workflow(figures, run, floor_cpu, job_cpu, worker_cpu)
    project_startup(figures, floor_cpu, job_cpu, job_wall, worker_cpu)
    figures.save()


if __name__ == "__main__":
    main()
