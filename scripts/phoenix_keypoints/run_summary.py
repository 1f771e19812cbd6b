"""The short summary every run ends with: frames and videos per split, what was left out, the verify result,
the settings and where the outputs are. Printed on the console, in Snakemake's log and on the report's first
page (results/summary.txt)."""

import csv
import json
from pathlib import Path

import numpy as np

from .keypoint_sets import split_of


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_text(
    dataset_root: str, npz: list, skipped: str, verification: str, holistic: dict, outputs: list[str]
) -> str:
    """npz: the model-input files, one per split; skipped: the index's skipped.tsv; verification: its report."""
    with open(skipped, encoding="utf-8", newline="") as stream:
        skipped_per_split: dict[str, int] = {}
        for row in csv.DictReader(stream, delimiter="\t"):
            skipped_per_split[row["split"]] = skipped_per_split.get(row["split"], 0) + 1
    rows = [("split", "videos", "frames", "skipped videos", "bad frames")]
    for path in npz:
        split = split_of(path)
        with np.load(path, allow_pickle=False) as arrays:
            lengths, bad = arrays["video_lengths"], arrays["bad_frame_rows"]
            rows.append((split, len(lengths), int(lengths.sum()), skipped_per_split.get(split, 0), len(bad)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    report = json.loads(Path(verification).read_text(encoding="utf-8"))
    compared = report["splits"].values()
    verdict = (
        f"{'passed' if report['passed'] else 'FAILED'}: {plural(sum(e['videos'] for e in compared), 'video')}, "
        f"{plural(sum(e['frames'] for e in compared), 'frame')} compared with a single-process run "
        f"(largest difference {max((e['max_abs_diff'] for e in compared), default=0.0):g}, allowed {report['atol']:g}; "
        f"{verification})"
    )
    settings = ", ".join(f"{key} {value}" for key, value in sorted(holistic.items()))
    return "\n".join(
        [f"Keypoints of {dataset_root}", f"Verification {verdict}", *table, f"MediaPipe Holistic: {settings}",
         "Outputs: " + ", ".join(outputs)]
    ) + "\n"  # fmt: skip
