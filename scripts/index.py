"""Rule `index`: every video of the splits and its frames (stages.index)."""

from phoenix_keypoints import plan, stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    params = snakemake.params  # params.frames only tells Snakemake that the frames changed
    stages.index(
        params.dataset_path, params.annotations_subdir, params.frames_subdir, params.splits,
        params.max_samples_per_split, params.on_bad_video, snakemake.output.corpus, snakemake.output.skipped,
        params.manifest, params.video_rotation, plan.INDEX_SOURCES,
    )  # fmt: skip
