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


def aligned(rows: list[tuple]) -> list[str]:
    """The rows as lines of right-aligned columns."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]


def noise_floor_verdict(report: dict, verification: str, videos: str, frames: str) -> str:
    """engine torch: whether the engine stayed within MediaPipe's own noise, and on what."""
    floor = report["noise_floor"]
    beyond = [part for part, entry in floor["parts"].items() if not entry["passed"]]
    within = f"beyond MediaPipe's own noise in {', '.join(beyond)}" if beyond else "within MediaPipe's own noise"
    return (
        f"Verification {'passed' if report['passed'] else 'FAILED'}: the torch engine is {within} "
        f"({plural(floor['seeds'], 'seed')}; {videos}, {frames} compared with MediaPipe; {verification})"
    )


def _figures(*values: float | None) -> str:
    """Figures side by side, 3 decimals; "-" where there was nothing to compare."""
    return " | ".join("-" if value is None else f"{value:.3f}" for value in values)


def noise_floor_table(report: dict) -> list[str]:
    """engine torch, per part: the engine's figures against MediaPipe's, the floor's worst seed, and the limits."""
    rows = [
        (
            "part",
            "frames compared",
            "presence agreement engine | floor",
            "mean px engine | floor",
            "p99 px engine | floor",
            "limit mean | p99 | presence",
            "ok",
        )
    ]
    for part, entry in report["noise_floor"]["parts"].items():
        engine, floor, limit = entry["engine"], entry["floor"]["worst"], entry["limit"]
        rows.append(
            (
                part,
                engine["frames_compared"],
                _figures(engine["presence_agreement"], floor["presence_agreement"]),
                _figures(engine["mean_px"], floor["mean_px"]),
                _figures(engine["p99_px"], floor["p99_px"]),
                _figures(limit["mean_px"], limit["p99_px"], limit["presence_agreement"]),
                "yes" if entry["passed"] else "NO",
            )
        )
    return aligned(rows)


def video_file_notes(turned: int, variable: list[str]) -> list[str]:
    """How many video files were turned upright, and which have a variable frame rate."""
    notes = []
    if turned:
        notes.append(f"{plural(turned, 'video file')} turned upright by the display matrix (NPZ video_rotation)")
    if variable:
        shown = ", ".join(variable[:MAX_NOTES_SHOWN]) + (" ..." if len(variable) > MAX_NOTES_SHOWN else "")
        notes.append(
            f"{plural(len(variable), 'video file')} with a variable frame rate (each frame's time is in the NPZ's "
            f"frame_times; video_fps is the nominal rate): {shown}"
        )
    return notes


def summary_text(
    dataset: str,
    npz: list,
    skipped: str,
    verification: str,
    holistic: dict,
    outputs: list[str],
    frame_count_notes: dict[str, str],
) -> str:
    """dataset: the release's root, or the manifest; npz: the model-input files, one per split; skipped: the
    index's skipped.tsv; verification: its report; frame_count_notes: video files that decoded to another
    number of frames than their container said."""
    with open(skipped, encoding="utf-8", newline="") as stream:
        skipped_per_split: dict[str, int] = {}
        for row in csv.DictReader(stream, delimiter="\t"):
            skipped_per_split[row["split"]] = skipped_per_split.get(row["split"], 0) + 1
    rows = [("split", "videos", "frames", "skipped videos", "bad frames")]
    turned, variable = 0, []
    for path in npz:
        split = split_of(path)
        with np.load(path, allow_pickle=False) as arrays:
            lengths, bad = arrays["video_lengths"], arrays["bad_frame_rows"]
            rows.append((split, len(lengths), int(lengths.sum()), skipped_per_split.get(split, 0), len(bad)))
            turned += int(np.count_nonzero(arrays["video_rotation"]))
            variable += [f"{split}/{name}" for name in arrays["video_names"][arrays["video_vfr"]].tolist()]
    table = aligned(rows) + video_file_notes(turned, variable)  # frames as decoded: the NPZ's
    report = json.loads(Path(verification).read_text(encoding="utf-8"))
    compared = report["splits"].values()
    videos = plural(sum(e["videos"] for e in compared), "video")
    frames = plural(sum(e["frames"] for e in compared), "frame")
    if "noise_floor" in report:
        verdict = [noise_floor_verdict(report, verification, videos, frames), *noise_floor_table(report)]
    else:
        largest = max((e["max_abs_diff"] for e in compared), default=0.0)
        verdict = [
            f"Verification {'passed' if report['passed'] else 'FAILED'}: {videos}, {frames} compared with a "
            f"single-process run (largest difference {largest:g}, allowed {report['atol']:g}; {verification})"
        ]
    settings = ", ".join(f"{key} {value}" for key, value in sorted(holistic.items()))
    notes = [f"  {key}: {note}" for key, note in sorted(frame_count_notes.items())[:MAX_NOTES_SHOWN]]
    if notes:
        more = f" ({len(frame_count_notes) - len(notes)} more not shown)" if len(frame_count_notes) > len(notes) else ""
        heading = f"{plural(len(frame_count_notes), 'video file')} decoded to another frame count than its container"
        notes.insert(0, f"{heading} said (every decoded frame is kept){more}:")
    return (
        "\n".join(
            [
                f"Keypoints of {dataset}",
                *verdict,
                *table,
                *notes,
                f"MediaPipe Holistic: {settings}",
                "Outputs: " + ", ".join(outputs),
            ]
        )
        + "\n"
    )
