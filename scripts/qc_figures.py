"""Snakemake entry point of rule `qc_stats`: detection rates, hand presence per video, shard statistics."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from phoenix_keypoints import qc_stats
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    output = snakemake.output
    arrays = {
        split: np.load(path, allow_pickle=False)
        for split, path in zip(snakemake.params.splits, snakemake.input.npz, strict=True)
    }
    rates = qc_stats.detection_rates({split: data["presence"] for split, data in arrays.items()})
    qc_stats.write_tsv(output.rates, rates)
    qc_stats.plot_detection_rates(rates, output.rates_plot)
    hands = pd.concat([qc_stats.hand_presence(split, data) for split, data in arrays.items()])
    qc_stats.write_tsv(output.hands, hands)
    qc_stats.plot_hand_presence(hands, output.hands_plot)
    stats = [json.loads(Path(path).read_text(encoding="utf-8")) for path in snakemake.input.stats]
    qc_stats.write_tsv(output.shards, qc_stats.shard_table(stats))
    log.info("detection rates:\n%s", rates.to_string(index=False))
