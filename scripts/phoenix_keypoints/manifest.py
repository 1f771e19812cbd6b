"""A manifest: one row per video of any sign-language dataset, a video file or a folder of PNG frames.

Columns: split, video_id, path (relative to the manifest's folder, or absolute), optionally start and end
(a frame number, or seconds with an "s": 4.8s, which a video file's frame times select; end excluded), and
any others (gloss, translation, signer, ...), which the outputs carry per video. Tab-separated (.tsv) or
comma-separated (.csv).
"""

import csv
import math
import os
from pathlib import Path

from .atomic import write_text
from .errors import InputError
from .frame_sources import VIDEO_SUFFIXES, is_video_file

REQUIRED_COLUMNS = ("split", "video_id", "path")
CUT_COLUMNS = ("start", "end")
# Names the index tables and the NPZ files (video_<name>) use themselves: a corpus column must not take them.
RESERVED_COLUMNS = ("n_frames", "source", "width", "height", "fps", "shard", "line", "names", "ids", "offsets",
                    "lengths", "widths", "heights", "frame_index", "rotation", "vfr", "start_time", "end_time",
                    "frame_times")  # fmt: skip


def read_manifest(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The annotation columns (those beyond split, video_id, path, start, end) and the rows, each with its
    line number; a structural problem is an InputError naming the file."""
    if not path.is_file():
        raise InputError(f"manifest not found: {path}\nFix: check the manifest key of the config.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 ({err.reason} at byte {err.start}). Fix: save it as UTF-8.") from None
    delimiter = "\t" if path.suffix.lower() != ".csv" else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        kind = "tab" if delimiter == "\t" else "comma"
        raise InputError(
            f"{path} has no column {', '.join(missing)} (its header: {header}).\n"
            f"Fix: a {kind}-separated header with at least split, video_id and path "
            "(phoenix-keypoints manifest writes one from a folder of videos)."
        )
    reserved = [column for column in header if column in RESERVED_COLUMNS]
    if reserved:
        raise InputError(
            f"{path} has columns named {', '.join(reserved)}, which the outputs use themselves.\n"
            "Fix: rename them (e.g. video_fps -> source_fps)."
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if None in row or any(value is None for value in row.values()):
            raise InputError(f"{path}:{line} has {len(row)} columns, the header {len(header)}. Fix: repair the line.")
        rows.append({key: value.strip() for key, value in row.items()} | {"line": str(line)})
    annotations = [column for column in header if column not in REQUIRED_COLUMNS + CUT_COLUMNS]
    return annotations, rows


def seconds_bound(value: str) -> float | None:
    """A start or end in seconds ('4.8s'), or None for a frame number or none."""
    return float(value[:-1]) if value.endswith("s") else None


def frame_bound(value: str, fps: float) -> int | None:
    """A start or end: '' (none), a frame number ('120'), or seconds ('4.8s', at the frame rate `fps`: a frame
    folder's, or a video file's estimate; its frame times select the frames)."""
    if not value:
        return None
    seconds = seconds_bound(value)
    if seconds is not None:
        if not fps:
            raise ValueError("the video has no frame rate to turn seconds into frames")
        return math.floor(seconds * fps + 0.5)
    return int(value)


def write_manifest(root: Path, output: Path, split: str | None = None) -> int:
    """A manifest of <root>/<split>/<video> files (or, with split, of <root>/<video> files); the number of rows.

    Paths are written relative to the manifest's folder."""
    folders = {split: root} if split else {d.name: d for d in sorted(root.iterdir()) if d.is_dir()}
    rows = []
    for name, folder in folders.items():
        for video in sorted(folder.iterdir()):
            if video.is_file() and is_video_file(video):
                relative = os.path.relpath(video.absolute(), output.absolute().parent)
                rows.append((name, video.stem, Path(relative).as_posix()))
    if not rows:
        raise InputError(
            f"no video files ({', '.join(VIDEO_SUFFIXES)}) under {root}"
            + ("" if split else "/<split>/")
            + ".\nFix: point at the folder that holds the split folders, or pass --split for one folder of videos."
        )
    write_text(output, "".join(f"{s}\t{v}\t{p}\n" for s, v, p in [REQUIRED_COLUMNS, *rows]))
    return len(rows)
