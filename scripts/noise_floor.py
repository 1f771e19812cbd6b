"""Rule `noise_floor`: engine torch's noise floor, the baseline's sample with one pixel per frame changed, for one
seed (stages.noise_floor)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.noise_floor(
        corpus=snakemake.input.corpus,
        sample=snakemake.params.sample,
        floor_seed=int(snakemake.wildcards.floor_seed),
        npz_dir=Path(snakemake.output.npz[0]).parent,
    )
