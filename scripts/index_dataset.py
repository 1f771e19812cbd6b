"""Snakemake entry point of rule `index`: list every video and its frames."""

from phoenix_keypoints.index import select_videos
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.tables import write_skipped, write_videos
from phoenix_keypoints.workflow import dataset_layout

snakemake = globals()["snakemake"]
params = snakemake.params
with log_to(snakemake.log[0]) as log:
    layout = dataset_layout(snakemake.config)  # the CSV inputs already name the dataset root
    videos, problems = select_videos(layout, list(params.splits), params.on_bad_video, params.max_samples_per_split)
    write_skipped(snakemake.output.skipped, problems)
    write_videos(snakemake.output.videos, videos)
    log.info(
        "indexed %d videos, %d frames (%d problems skipped) under %s",
        len(videos), sum(v.n_frames for v in videos), len(problems), layout.root,
    )  # fmt: skip
