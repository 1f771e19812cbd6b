"""Benchmark 4, real scale without MediaPipe: index, dry run, merge, verify, prepare and full_pickle at 947,756 frames.

    python benchmarks/real_scale.py [--videos-per-split N] [--quick]

Builds under /tmp a PHOENIX-2014-T tree with the real release's CSVs and frame counts
(../shared/data/phoenix-2014-t-annotations), every frame a hard link to one of the sample's PNGs, runs the
real rules index and shard on it, writes synthetic shard results of that size (synthetic_shards.py) and
runs the real rules merge, verify, prepare and full_pickle on them. Each step is its own snakemake command, measured
with wait4 (wall, CPU and peak RSS of the largest process); verify's keeps merge's temporary output (--notemp) for
prepare, as one run of the whole workflow does. Then the disk the keypoints take in results/, each file counted once
however many links it has. The tree is removed at the end.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

from benchlib import Figures, argument_parser, read_tsv, run_snakemake
from make_dataset import link_real_scale
from synthetic_shards import write_synthetic_results

FULL_SCALE_BYTES = 12 * 2**30  # shards, merged pickle and NPZ files at full scale
MIN_FREE_INODES = 20_000  # one per video folder; hard links need none


def check_room(where: Path, needed_bytes: int) -> str:
    stat, free_inodes = shutil.disk_usage(where), os.statvfs(where).f_favail
    if stat.free < needed_bytes or free_inodes < MIN_FREE_INODES:
        raise SystemExit(
            f"{where} has {stat.free / 2**30:.1f} GiB and {free_inodes} inodes free; "
            f"the benchmark needs {needed_bytes / 2**30:.0f} GiB and {MIN_FREE_INODES} inodes"
        )
    return f"{where}: {stat.free / 2**30:.1f} GiB and {free_inodes:,} inodes free"


def disk_bytes(folders: list[Path]) -> int:
    """Bytes of the files under the folders, each file (inode) once: hard links take no room of their own."""
    seen = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                stat = path.stat()
                seen[(stat.st_dev, stat.st_ino)] = stat.st_size
    return sum(seen.values())


def rule_seconds(workdir: Path, benchmark: str) -> float:
    return float(read_tsv(workdir / "results" / "benchmarks" / benchmark)[0]["s"])


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--videos-per-split", type=int, help="only the first N videos of each split")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    per_split = 10 if args.quick else args.videos_per_split
    figures = Figures("real_scale", args.json)
    figures.note(check_room(Path(tempfile.gettempdir()), FULL_SCALE_BYTES if per_split is None else 2**30))
    temp = Path(tempfile.mkdtemp(prefix="phoenix-real-scale-"))
    try:
        started = time.perf_counter()
        frames = link_real_scale(temp / "tree", videos_per_split=per_split)
        dataset = temp / "tree" / "PHOENIX-2014-T"
        figures.add("real_scale.frames", frames, digits=0)
        figures.add("real_scale.tree_build_seconds", time.perf_counter() - started, "s", digits=1)
        workdir, config, cores = temp / "work", {"dataset_path": dataset}, ("--cores", str(args.cores))

        dry = run_snakemake(workdir, "-n", config=config, name="dry_run")
        figures.add("real_scale.dry_run_seconds", dry.wall, "s", goal="< 30", digits=2)
        index = run_snakemake(workdir, *cores, "--until", "index", config=config, name="index")
        figures.add("real_scale.index_rule_seconds", rule_seconds(workdir, "index.tsv"), "s", goal="< 10", digits=2)
        figures.add("real_scale.index_command_seconds", index.wall, "s", digits=2)
        dry = run_snakemake(workdir, "-n", config=config, name="dry_run_indexed")
        figures.add("real_scale.dry_run_indexed_seconds", dry.wall, "s", goal="< 30", digits=2)
        run_snakemake(workdir, *cores, "--until", "shard", config=config, name="shard")

        started = time.perf_counter()
        write_synthetic_results(workdir, dataset)
        figures.add("real_scale.synthetic_results_seconds", time.perf_counter() - started, "s", digits=1)
        usages = {}
        # Each rule as the target, one job each. Run alone, verify would be the last reader of merge's temporary
        # output and remove it; in a whole run prepare reads it after verify.
        steps = {"merge": (), "verify": ("--notemp",), "prepare": (), "full_pickle": ()}
        for step, options in steps.items():
            usages[step] = run_snakemake(workdir, *cores, step, *options, config=config, name=step)
            planned = (workdir / f"{step}.out").read_text()
            if "rule extract" in planned or "rule baseline" in planned:
                raise SystemExit(f"snakemake reran extraction instead of using the synthetic results:\n{planned}")
            if step != "merge" and "rule merge" in planned:
                raise SystemExit(f"snakemake merged again (merge's temporary output was gone):\n{planned}")
            figures.add(f"real_scale.{step}_seconds", usages[step].wall, "s", digits=1)
            figures.add(f"real_scale.{step}_rule_seconds", rule_seconds(workdir, f"{step}.tsv"), "s", digits=1)
            figures.add(f"real_scale.{step}_cpu_seconds", usages[step].cpu, "s", digits=1)
            figures.add(f"real_scale.{step}_peak_rss_gib", usages[step].max_rss_mib / 1024, "GiB", digits=2)
        merge_prepare = usages["merge"].wall + usages["prepare"].wall
        figures.add("real_scale.merge_plus_prepare_seconds", merge_prepare, "s", goal="< 300", digits=1)
        peak = max(u.max_rss_mib for u in usages.values()) / 1024
        figures.add("real_scale.peak_rss_gib", peak, "GiB", goal="< 8", digits=2)
        sizes = {
            "merged_pickle": workdir / "results/phoenix_keypoints_full.pkl",
            "train_npz": workdir / "results/model_input_data/train_keypoints.npz",
        }
        for name, path in sizes.items():
            figures.add(f"real_scale.{name}_gib", path.stat().st_size / 2**30, "GiB", digits=2)
        keypoint_folders = [workdir / "results" / folder for folder in ("merged", "model_input_data")]
        figures.add("real_scale.npz_disk_gib", disk_bytes(keypoint_folders) / 2**30, "GiB", digits=2)
        figures.add("real_scale.results_disk_gib", disk_bytes([workdir / "results"]) / 2**30, "GiB", digits=2)
    finally:
        started = time.perf_counter()
        shutil.rmtree(temp)
        figures.note(f"removed {temp} in {time.perf_counter() - started:.1f} s")
    figures.save()


if __name__ == "__main__":
    main()
