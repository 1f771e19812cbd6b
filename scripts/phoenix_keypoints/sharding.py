"""Split whole videos into shards of about equal frame counts."""

import heapq

from .videos import Video


def assign_shards(videos: list[Video], num_shards: int) -> list[Video]:
    """Set each video's shard: largest first into the least-loaded shard.

    Deterministic (ties broken by index order, then shard number); a video never
    spans two shards. Returns the videos in their original order.
    """
    if num_shards < 1:
        raise ValueError("num_shards must be at least 1")
    loads = [(0, shard) for shard in range(num_shards)]
    order = sorted(range(len(videos)), key=lambda i: (-videos[i].n_frames, i))
    for i in order:
        load, shard = heapq.heappop(loads)
        videos[i].shard = shard
        heapq.heappush(loads, (load + videos[i].n_frames, shard))
    return videos


def shard_loads(videos: list[Video], num_shards: int) -> list[int]:
    loads = [0] * num_shards
    for video in videos:
        loads[video.shard] += video.n_frames
    return loads
