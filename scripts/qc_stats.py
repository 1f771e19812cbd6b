"""Rule `qc_stats`: detection rates, hand presence per video, the extraction jobs' figures (stages.qc_stats)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    output = snakemake.output
    stages.qc_stats(
        npz=list(snakemake.input.npz),
        stats=list(snakemake.input.stats),
        rates=output.rates,
        rates_plot=output.rates_plot,
        hands=output.hands,
        hands_plot=output.hands_plot,
        shards=output.shards,
    )
