"""Snakemake entry point of rule `qc_frames`: keypoints drawn over a few sampled frames of one split."""

from phoenix_keypoints.qc_frames import write_qc_frames
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    params = snakemake.params
    written = write_qc_frames(snakemake.input.npz, params.dataset_path, snakemake.output.frames, params.frames)
    log.info("%s: drew %d frames: %s", snakemake.wildcards.split, len(written), [p.name for p in written])
