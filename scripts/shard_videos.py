"""Snakemake entry point of rule `shard`: balance whole videos over the shards."""

from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.sharding import assign_shards, shard_loads
from phoenix_keypoints.tables import read_videos, write_videos

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    num_shards = snakemake.params.num_shards
    videos = assign_shards(read_videos(snakemake.input.videos), num_shards)
    write_videos(snakemake.output.videos, videos)
    log.info("frames per shard: %s", shard_loads(videos, num_shards))
