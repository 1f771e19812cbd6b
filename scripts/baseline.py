"""Rule `baseline`: the sampled videos in one process, no slots, no shards (stages.baseline)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    params = snakemake.params
    stages.baseline(
        corpus=snakemake.input.corpus,
        dataset_path=params.dataset_path,
        holistic=params.holistic,
        on_bad_frame=params.on_bad_frame,
        videos_per_split=params.videos_per_split,
        seed=params.seed,
        splits=params.splits,
        npz_dir=Path(snakemake.output.npz[0]).parent,
    )
