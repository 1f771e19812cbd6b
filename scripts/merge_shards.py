"""Snakemake entry point of rule `merge`: all shards into one keypoint file, every frame once."""

from phoenix_keypoints.atomic import read_pickle, write_pickle
from phoenix_keypoints.merge import check_complete, merge_records
from phoenix_keypoints.reports import write_bad_frames
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import read_videos

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    index = read_videos(snakemake.input.videos)
    shards = [(path, read_pickle(path)) for path in snakemake.input.shards]
    settings = {str(shard["settings"]) for _, shard in shards}
    if len(settings) > 1:
        raise RuntimeError(f"shards were extracted with different settings: {settings}")
    records = check_complete(index, ((path, record) for path, shard in shards for record in shard["videos"]))
    merged = merge_records(records, list(snakemake.params.splits), shards[0][1]["settings"] if shards else None)
    write_pickle(snakemake.output.keypoints, merged)
    write_bad_frames(snakemake.output.bad_frames, merged)
    for split, data in merged.items():
        log.info("%s: %d videos, %d frames", split, len(data["videos"]), len(data["keypoints"]))
