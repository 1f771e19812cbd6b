"""Snakemake entry point of rule `baseline`: the sampled videos in one process, no sharding."""

from pathlib import Path

from phoenix_keypoints.atomic import write_pickle
from phoenix_keypoints.extract import Progress, video_record
from phoenix_keypoints.holistic import HolisticSettings, create_holistic, extract_video
from phoenix_keypoints.index import video_frame_paths
from phoenix_keypoints.merge import merge_records
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import read_videos
from phoenix_keypoints.verify import sample_videos

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    root = Path(params.dataset_path)
    videos = sample_videos(read_videos(snakemake.input.videos), params.videos_per_split, params.seed)
    settings = HolisticSettings.from_config(params.holistic)
    holistic = create_holistic(settings)
    progress = Progress("baseline", len(videos), sum(v.n_frames for v in videos))
    progress.start()
    records = []
    for video in videos:
        frame_paths = video_frame_paths(root, video)
        records.append(
            video_record(root, video, frame_paths, extract_video(holistic, frame_paths, params.on_bad_frame))
        )
        progress.add(video.n_frames)
    write_pickle(snakemake.output.keypoints, merge_records(records, list(params.splits), settings.as_dict()))
