"""Snakemake entry point of rule `verify`: the sharded result must equal the single-process baseline."""

import json

from phoenix_keypoints.atomic import read_pickle, write_json
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.verify import compare

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    report = compare(read_pickle(snakemake.input.baseline), read_pickle(snakemake.input.merged), snakemake.params.atol)
    log.info("verification report:\n%s", json.dumps(report, indent=2))
    if not report["passed"]:
        raise RuntimeError(
            "the sharded result differs from the single-process baseline (report above). "
            "Delete results/shards and results/journal and rerun; if it persists, report a bug."
        )
    write_json(snakemake.output.report, report)
