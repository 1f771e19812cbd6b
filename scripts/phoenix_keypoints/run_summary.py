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


MAX_NOTES_SHOWN = 10


def summary_text(
    dataset_root: str, npz: list, skipped: str, verification: str, holistic: dict, outputs: list[str],
    frame_count_notes: dict[str, str],
) -> str:  # fmt: skip
    """npz: the model-input files, one per split; skipped: the index's skipped.tsv; verification: its report;
    frame_count_notes: video files that decoded to another number of frames than their container said."""
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
    notes = [f"  {key}: {note}" for key, note in sorted(frame_count_notes.items())[:MAX_NOTES_SHOWN]]
    if notes:
        more = f" ({len(frame_count_notes) - len(notes)} more not shown)" if len(frame_count_notes) > len(notes) else ""
        heading = f"{plural(len(frame_count_notes), 'video file')} decoded to another frame count than its container"
        notes.insert(0, f"{heading} said (every decoded frame is kept){more}:")
    return "\n".join(
        [f"Keypoints of {dataset_root}", f"Verification {verdict}", *table, *notes,
         f"MediaPipe Holistic: {settings}", "Outputs: " + ", ".join(outputs)]
    ) + "\n"  # fmt: skip
