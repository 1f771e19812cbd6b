"""Rule `baseline`: the sampled videos in one process, no slots, no shards (stages.baseline)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.baseline(
        corpus=snakemake.input.corpus,
        sample=snakemake.params.sample,
        npz_dir=Path(snakemake.output.npz[0]).parent,
    )
