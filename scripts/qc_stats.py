"""Rule `qc_stats`: detection rates, hand presence per video, the extraction jobs' figures (stages.qc_stats)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.qc_stats(list(snakemake.input.npz), list(snakemake.input.stats), **snakemake.output)
