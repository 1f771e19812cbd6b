"""Rule `verify`: the sharded result must equal the single-process baseline (stages.verify)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    report = stages.verify(
        list(snakemake.input.baseline), list(snakemake.input.merged), snakemake.params.atol,
        snakemake.output.verification,
    )  # fmt: skip
    if not report["passed"]:
        raise RuntimeError(
            "the sharded result differs from the single-process baseline (report above). "
            "Delete results/shards and results/journal and rerun; if it persists, report a bug."
        )
