"""Rule `index`: every video of the splits and its frames (stages.index)."""

from phoenix_keypoints import plan, stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    params = snakemake.params  # params.frames only tells Snakemake that the frames changed
    stages.index(
        dataset_path=params.dataset_path, annotations_subdir=params.annotations_subdir,
        frames_subdir=params.frames_subdir, manifest=params.manifest, splits=params.splits,
        max_samples_per_split=params.max_samples_per_split, on_bad_video=params.on_bad_video,
        video_rotation=params.video_rotation, corpus=snakemake.output.corpus, skipped=snakemake.output.skipped,
        sources_record=plan.INDEX_SOURCES,
    )  # fmt: skip
