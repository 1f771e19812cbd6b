"""Rule `index`: every video of the splits and its frames (stages.index)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.index(**snakemake.params, **snakemake.output)
