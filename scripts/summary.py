"""Rule `summary`: results/summary.txt, what the run made in a few lines (stages.summary)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.summary(
        snakemake.params.dataset, list(snakemake.input.npz), snakemake.input.skipped,
        snakemake.input.verification, list(snakemake.input.stats), snakemake.params.holistic,
        snakemake.params.outputs, snakemake.output.text,
    )  # fmt: skip
