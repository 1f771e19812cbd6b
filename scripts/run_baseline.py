"""Snakemake entry point of rule `baseline`: the sampled videos in one process, no sharding."""

from pathlib import Path

from phoenix_keypoints.atomic import write_pickle
from phoenix_keypoints.extract import extract_in_process
from phoenix_keypoints.holistic import HolisticSettings
from phoenix_keypoints.merge import merge_records
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import read_videos
from phoenix_keypoints.verify import sample_videos

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    videos = sample_videos(read_videos(snakemake.input.videos), params.videos_per_split, params.seed)
    settings = HolisticSettings.from_config(params.holistic)
    records = extract_in_process(Path(params.dataset_path), videos, settings, params.on_bad_frame, "baseline")
    write_pickle(snakemake.output.keypoints, merge_records(records, list(params.splits), settings.as_dict()))
