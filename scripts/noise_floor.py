"""Rule `noise_floor`: engine torch's noise floor, the baseline's sample with one pixel per frame changed, for one
seed (stages.noise_floor)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    params = snakemake.params
    stages.noise_floor(
        corpus=snakemake.input.corpus,
        dataset_path=params.dataset_path,
        holistic=params.holistic,
        on_bad_frame=params.on_bad_frame,
        videos_per_split=params.videos_per_split,
        seed=params.seed,
        splits=params.splits,
        floor_seed=int(snakemake.wildcards.floor_seed),
        npz_dir=Path(snakemake.output.npz[0]).parent,
    )
