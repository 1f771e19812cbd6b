"""Snakemake entry point of rule `index`: list every video and its frames."""

from phoenix_keypoints.errors import InputError
from phoenix_keypoints.index import build_index, limit_per_split, problems_message
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import write_skipped, write_videos
from phoenix_keypoints.workflow import dataset_layout

snakemake = globals()["snakemake"]
params = snakemake.params
with log_to(snakemake.log[0]) as log:
    layout = dataset_layout(snakemake.config)  # the CSV inputs already name the dataset root
    videos, problems = build_index(layout, list(params.splits))
    if problems and params.on_bad_video == "fail":
        raise InputError(problems_message(problems))
    for problem in problems:
        log.warning("skipped %s/%s: %s [%s]", problem.split, problem.video_id, problem.reason, problem.path)
    videos = limit_per_split(videos, params.max_samples_per_split)
    write_skipped(snakemake.output.skipped, problems)
    write_videos(snakemake.output.videos, videos)
    log.info(
        "indexed %d videos, %d frames (%d problems skipped) under %s",
        len(videos), sum(v.n_frames for v in videos), len(problems), layout.root,
    )  # fmt: skip
