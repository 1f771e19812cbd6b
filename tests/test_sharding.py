"""Whole videos into shards of about equal frame counts, and the job sizes the Snakefile plans."""

import numpy as np

from phoenix_keypoints.plan import gpu_pool_size, workers_per_job
from phoenix_keypoints.sharding import assign_shards, shard_loads
from phoenix_keypoints.videos import Video


def make_videos(frame_counts):
    return [Video("train", f"v{i}", n, f"train/v{i}") for i, n in enumerate(frame_counts)]


def test_shards_are_balanced_and_deterministic():
    counts = list(np.random.default_rng(0).integers(16, 476, size=500))
    first = [v.shard for v in assign_shards(make_videos(counts), 16)]
    assert first == [v.shard for v in assign_shards(make_videos(counts), 16)]
    loads = shard_loads(assign_shards(make_videos(counts), 16), 16)
    assert max(loads) - min(loads) <= max(counts)
    assert sum(loads) == sum(counts)


def test_largest_first_into_least_loaded():
    videos = assign_shards(make_videos([10, 50, 30, 20, 40]), 2)
    assert [v.shard for v in videos] == [0, 0, 1, 0, 1]  # 50 -> 0, 40 -> 1, 30 -> 1, 20 -> 0, 10 -> 0 (tie)
    assert shard_loads(videos, 2) == [80, 70]
    assert [v.shard for v in assign_shards(make_videos([5]), 3)] == [0]


def test_workers_per_job_fill_the_cores():
    assert workers_per_job(None, 8, 4) == 2
    assert workers_per_job(None, 2, 4) == 1
    assert workers_per_job(3, 8, 4) == 3
    assert workers_per_job(None, None, None) == 2
    assert gpu_pool_size(None, 4) == 4 and gpu_pool_size(2, 4) == 2 and gpu_pool_size(None, None) == 0
