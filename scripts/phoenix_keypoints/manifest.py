"""A manifest: one row per video of any sign-language dataset, a video file or a folder of PNG frames.

Columns: split, video_id, path (relative to the manifest's folder, or absolute), optionally start and end
(a frame number, or seconds with an "s": 4.8s, which a video file's frame times select; end excluded), and
any others (gloss, translation, signer, ...), which the outputs carry per video. Tab-separated (.tsv) or
comma-separated (.csv).

Indexing a manifest checks each row's video: a frame folder as the PHOENIX frames are, a video file by
probing it; rows that cannot be used are problems, as in the PHOENIX index.
"""

import csv
import logging
import math
import os
from pathlib import Path

from .atomic import write_text
from .errors import InputError
from .frame_folders import frame_size, list_frames
from .frame_sources import VIDEO_SUFFIXES, DecodedVideo, count_frames, is_video_file, probe_video
from .videos import Problem, Video, unsafe_name

REQUIRED_COLUMNS = ("split", "video_id", "path")
CUT_COLUMNS = ("start", "end")
# Names the index tables and the NPZ files (video_<name>) use themselves: a corpus column must not take them.
RESERVED_COLUMNS = ("n_frames", "source", "width", "height", "fps", "shard", "line", "names", "ids", "offsets",
                    "lengths", "widths", "heights", "frame_index", "rotation", "vfr", "start_time", "end_time",
                    "frame_times")  # fmt: skip

log = logging.getLogger(__name__)


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
    return _number(value[:-1], float, value) if value.endswith("s") else None


def _number(text: str, kind, value: str):
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{value!r} is neither a frame number (120) nor seconds with an s (4.8s)") from None


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
    return _number(value, int, value)


def _cut(row: dict, fps: float) -> tuple[int, int | None]:
    start, end = frame_bound(row.get("start", ""), fps), frame_bound(row.get("end", ""), fps)
    if (start or 0) < 0 or (end is not None and end <= (start or 0)):
        raise ValueError(f"start {row.get('start')!r} and end {row.get('end')!r} leave no frame")
    return start or 0, end


def _manifest_video(
    split: str,
    name: str,
    source: Path,
    relative: str,
    row: dict,
    annotations: list[str],
    video_rotation: str,
):
    """A Video for one manifest row, or the reason it is unusable."""
    values = {column: row[column] for column in annotations}
    if source.is_dir():
        frame_files, problems = list_frames(source)
        size, size_problem = frame_size(source, frame_files) if not problems else (None, None)
        if problems or size_problem:
            return None, "; ".join(problems + ([size_problem] if size_problem else []))
        start, end = _cut(row, 0.0)
        count = len(frame_files[start:end])
        if count == 0:
            return None, f"the cut (start {start}, end {end}) holds none of its {len(frame_files)} frames"
        width, height = size or (0, 0)
        return Video(split, name, count, relative, values, width, height, 0.0, start, end), None
    if not is_video_file(source):
        what = "missing" if not source.exists() else "neither a folder of frames nor a video file"
        return None, f"{source} is {what}"
    info, problem = probe_video(source, video_rotation)
    if problem:
        return None, problem
    start, end = _cut(row, info.fps)  # a cut in seconds: an estimate, the frame times select the frames
    start_time, end_time = seconds_bound(row.get("start", "")), seconds_bound(row.get("end", ""))
    cut = DecodedVideo(
        source,
        relative,
        start=0 if start_time is not None else start,
        end=None if end_time is not None else end,
        rotation=info.rotation,
        start_time=start_time,
        end_time=end_time,
    )
    # The container's count (a cut in seconds: at its frame rate), until extraction decodes the video.
    count = max(0, min(end if end is not None else info.frame_count, info.frame_count) - start)
    if count == 0:  # some containers announce no frame count, or a wrong one: the decoded frames decide
        count = cut.count()
        if count == 0:
            decoded = count_frames(source, cut.end)
            bounds = f"start {_bound(row, 'start', start)}, end {_bound(row, 'end', end)}"
            return None, f"the cut ({bounds}) holds none of its {decoded} decoded frames"
    video = Video(split, name, count, relative, values, info.width, info.height, info.fps, cut.start, cut.end)
    video.rotation, video.start_time, video.end_time = info.rotation, start_time, end_time
    return video, None


def _bound(row: dict, column: str, frames: int | None):
    """A cut's bound as the manifest gives it: seconds as written, else the frame number."""
    return row.get(column) if seconds_bound(row.get(column, "")) is not None else frames


def build_manifest_index(
    manifest: Path, splits: list[str], video_rotation: str = "auto"
) -> tuple[list[Video], list[Problem], dict[str, int]]:
    """Every video of the manifest's rows in the splits, every problem, and the rows of each split (video files
    turned upright by their display matrix, unless video_rotation is "ignore")."""
    annotations, rows = read_manifest(manifest)
    videos, problems, seen = [], [], set()
    listed_rows = dict.fromkeys(splits, 0)
    others = sorted({row["split"] for row in rows} - set(splits))
    if others:
        log.warning("%s: rows of splits %s are not in the config's splits %s: left out", manifest, others, splits)
    for row in rows:
        split, name = row["split"], row["video_id"]
        if split not in listed_rows:
            continue
        listed_rows[split] += 1
        where = f"{manifest}:{row['line']}"
        if unsafe_name(name):
            problems.append(Problem(split, name, where, "video_id is empty or looks like a path"))
            continue
        if (split, name) in seen:
            problems.append(Problem(split, name, where, "duplicate video_id in this split"))
            continue
        seen.add((split, name))
        path = Path(row["path"])
        source = path if path.is_absolute() else manifest.parent / path
        try:
            video, reason = _manifest_video(split, name, source, path.as_posix(), row, annotations, video_rotation)
        except ValueError as err:
            video, reason = None, f"start/end: {err}"
        if reason:
            problems.append(Problem(split, name, path.as_posix(), reason))
        else:
            videos.append(video)
    return videos, problems, listed_rows


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
