"""Snakemake entry point of rule `prepare`: one NPZ per split, for model training."""

from phoenix_keypoints.merge import read_merged
from phoenix_keypoints.model_input import write_split_npz
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.verify import require_passed

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    require_passed(snakemake.input.report)
    merged = read_merged(snakemake.input.keypoints)
    for split, path in zip(snakemake.params.splits, snakemake.output.npz, strict=True):
        arrays = write_split_npz(merged, split, path)
        log.info("%s: %s %s -> %s", split, arrays["keypoints"].shape, arrays["keypoints"].dtype, path)
