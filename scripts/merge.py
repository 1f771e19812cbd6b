"""Rule `merge`: all shards into per-split arrays, every indexed frame once (stages.merge)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.merge(
        shards=snakemake.input.shards,
        npz_dir=Path(snakemake.output.npz[0]).parent,
        splits=snakemake.params.splits,
        bad_frames=snakemake.output.bad_frames,
        videos=snakemake.input.videos,
        stats=snakemake.input.stats,
    )
