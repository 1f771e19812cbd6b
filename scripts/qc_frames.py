"""Rule `qc_frames`: keypoints drawn over a few sampled frames of one split (stages.qc_frames)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.qc_frames(
        snakemake.input.npz, snakemake.params.dataset_path, snakemake.output.frames, snakemake.params.frames
    )
