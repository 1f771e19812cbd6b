"""Rule `qc_frames`: keypoints drawn over a few sampled frames of one split (stages.qc_frames)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.qc_frames(
        npz=snakemake.input.npz,
        dataset_path=snakemake.params.dataset_path,
        frames=snakemake.output.frames,
        count=snakemake.params.frames,
    )
