"""Snakemake entry point of rule `prepare`: one NPZ per split, for model training."""

import json

from phoenix_keypoints.atomic import read_pickle, write_npz
from phoenix_keypoints.merge import split_arrays
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    with open(snakemake.input.report, encoding="utf-8") as stream:
        if not json.load(stream)["passed"]:
            raise RuntimeError(f"{snakemake.input.report} says verification failed; refusing to prepare")
    merged = read_pickle(snakemake.input.keypoints)
    for split, path in zip(snakemake.params.splits, snakemake.output.npz, strict=True):
        arrays = split_arrays(merged[split])
        write_npz(path, **arrays)
        log.info("%s: %s %s -> %s", split, arrays["keypoints"].shape, arrays["keypoints"].dtype, path)
