"""Synthetic extraction results, in the exact format of rule extract, for timing what comes after it.

    python benchmarks/synthetic_shards.py WORKDIR DATASET_ROOT

Reads WORKDIR/results/index/videos.tsv (rules index and shard must have run) and writes, for every shard,
results/shards/shard_{i}.pkl ({"shard", "settings", "videos": [video_record, ...]}) and shard_{i}.json,
plus the baseline of the verify sample (results/verify/baseline/{split}_keypoints.npz). Keypoints are
random but fixed per video, so the baseline equals the shards and verify passes.
"""

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import yaml

from phoenix_keypoints.atomic import write_json, write_npz, write_pickle
from phoenix_keypoints.extract import video_record
from phoenix_keypoints.frame_folders import video_frame_paths
from phoenix_keypoints.holistic import HolisticSettings, VideoResult
from phoenix_keypoints.keypoint_sets import npz_path, sets_from_records
from phoenix_keypoints.layout import NUM_COORDS, NUM_POINTS, PART_NAMES
from phoenix_keypoints.plan import BASELINE
from phoenix_keypoints.tables import read_videos
from phoenix_keypoints.testing import REPO
from phoenix_keypoints.verify import sample_videos
from phoenix_keypoints.videos import Video

WIDTH, HEIGHT = 210, 260


def synthetic_record(dataset_root: Path, video: Video) -> dict:
    rng = np.random.default_rng(zlib.crc32(video.key.encode()))
    n = video.n_frames
    result = VideoResult(
        keypoints=rng.random((n, NUM_POINTS, NUM_COORDS), dtype=np.float32),
        presence=rng.random((n, len(PART_NAMES))) < 0.9,
        references=[f"{video.source}/{path.name}" for path in video_frame_paths(dataset_root, video)],
        width=WIDTH,
        height=HEIGHT,
    )
    return video_record(video, result)


def write_synthetic_results(workdir: Path, dataset_root: Path) -> int:
    """Every shard's results and the verify baseline; returns the number of frames."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    settings = HolisticSettings.from_config(config["holistic"]).as_dict()
    videos = read_videos(workdir / "results" / "index" / "videos.tsv")
    shards: dict[int, list[Video]] = {}
    for video in videos:
        shards.setdefault(video.shard, []).append(video)
    now = time.time()
    for shard, members in sorted(shards.items()):
        records = [synthetic_record(dataset_root, video) for video in members]
        frames = sum(v.n_frames for v in members)
        shard_result = {"shard": shard, "settings": settings, "videos": records}
        write_pickle(workdir / f"results/shards/shard_{shard}.pkl", shard_result)
        write_json(
            workdir / f"results/shards/shard_{shard}.json",
            {
                "shard": shard,
                "videos": len(members),
                "frames": frames,
                "extracted_frames": frames,
                "synthetic": True,
                "video_frames": {v.key: v.n_frames for v in members},
                "startup_seconds": 0.0,
                "seconds": 0.0,
                "cpu_seconds": 0.0,
                "finished_at": now,
            },
        )
    verify = config["verify"]
    sampled = sample_videos(videos, verify["videos_per_split"], verify["seed"])
    baseline = sets_from_records([synthetic_record(dataset_root, v) for v in sampled], config["splits"], settings)
    for split, arrays in baseline.items():
        write_npz(npz_path(workdir / BASELINE, split), arrays)
    return sum(v.n_frames for v in videos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("dataset_root", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    frames = write_synthetic_results(args.workdir, args.dataset_root)
    print(f"synthetic results for {frames} frames in {args.workdir}/results ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
