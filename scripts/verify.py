"""Rule `verify`: the sharded result must equal the single-process baseline, or with engine torch stay within
MediaPipe's own noise (stages.verify)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.verify(
        baseline=list(snakemake.input.baseline),
        merged=list(snakemake.input.merged),
        floors=list(snakemake.input.floor),
        verification=snakemake.output.verification,
        atol=snakemake.params.atol,
        floor_limits=snakemake.params.floor_limits,
        floor_dir=snakemake.params.floor_dir,
    )
