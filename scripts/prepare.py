"""Rule `prepare`: the NPZ files for model training once verify passed: merged/ hard-linked (stages.prepare)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.prepare(
        keypoints=list(snakemake.input.merged),
        npz_dir=Path(snakemake.output.npz[0]).parent,
        splits=snakemake.params.splits,
        verification=snakemake.input.verification,
    )
