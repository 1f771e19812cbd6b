"""Rule `summary`: results/summary.txt, what the run made in a few lines (stages.summary)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.summary(
        dataset=snakemake.params.dataset,
        npz=list(snakemake.input.npz),
        skipped=snakemake.input.skipped,
        verification=snakemake.input.verification,
        stats=list(snakemake.input.stats),
        holistic=snakemake.params.holistic,
        outputs=snakemake.params.outputs,
        text=snakemake.output.text,
    )
