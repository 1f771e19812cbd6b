"""Snakemake entry point of rule `merge`: all shards into one keypoint file, every frame once."""

from phoenix_keypoints.merge import check_complete, merge_records, read_shard_files, write_merged
from phoenix_keypoints.reports import write_bad_frames
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import read_videos

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    sourced, settings = read_shard_files(snakemake.input.shards)
    records = check_complete(read_videos(snakemake.input.videos), sourced)
    merged = merge_records(records, list(snakemake.params.splits), settings)
    write_merged(snakemake.output.keypoints, merged)
    write_bad_frames(snakemake.output.bad_frames, merged)
