"""Read the PHOENIX corpus CSVs and list each video's frames, refusing anything doubtful; select the videos to
extract, from the release layout or a manifest."""

import csv
import logging
import os
from pathlib import Path

from .errors import MAX_PROBLEMS_SHOWN, InputError, problem_list
from .frame_folders import frame_size, list_frames
from .manifest import build_manifest_index
from .videos import DatasetPaths, Problem, Video, unsafe_name

CSV_COLUMNS = ("name", "video", "start", "end", "speaker", "orth", "translation")
ANNOTATION_COLUMNS = ("speaker", "orth", "translation")  # what the outputs keep of a PHOENIX CSV row

log = logging.getLogger(__name__)


def read_corpus_csv(path: Path) -> list[dict[str, str]]:
    """The rows of one corpus CSV; any structural problem is an InputError naming the file."""
    if not path.is_file():
        raise InputError(
            f"corpus CSV not found: {path}\n"
            "Fix: check dataset_path (it must contain annotations/manual/) and the split names in the config."
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path} is not UTF-8 ({err.reason} at byte {err.start}).\n"
            f"Fix: re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8 {path.name} > fixed.csv"
        ) from None
    lines = text.splitlines()
    if not lines:
        raise InputError(f"{path} is empty. Fix: restore the corpus CSV from the release.")
    header = lines[0]
    expected = "|".join(CSV_COLUMNS)
    if "|" not in header and ("," in header or "\t" in header or ";" in header):
        delimiter = {",": "comma", "\t": "tab", ";": "semicolon"}[next(d for d in (",", "\t", ";") if d in header)]
        raise InputError(
            f"{path} uses the wrong delimiter ({delimiter}); PHOENIX corpus files are pipe-separated.\n"
            f"Fix: convert it so that the header reads {expected!r}."
        )
    if tuple(header.split("|")) != CSV_COLUMNS:
        raise InputError(
            f"{path} has the header {header!r}, expected {expected!r}.\n"
            "Fix: restore the header line (or the whole file) from the release."
        )
    rows, bad = [], []
    reader = csv.reader(lines[1:], delimiter="|", quoting=csv.QUOTE_NONE)
    for line_number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(CSV_COLUMNS):
            bad.append(f"line {line_number}: {len(fields)} columns instead of {len(CSV_COLUMNS)}")
            continue
        rows.append(dict(zip(CSV_COLUMNS, fields, strict=True)) | {"line": str(line_number)})
    if bad:
        raise InputError(
            f"{path} has {len(bad)} malformed rows:\n  "
            + "\n  ".join(bad[:MAX_PROBLEMS_SHOWN])
            + "\nFix: every row needs exactly 7 pipe-separated columns; repair or remove these lines."
        )
    return rows


def _video_folder(split_dir: Path, name: str) -> Path:
    """The release has <name>/images*.png; the CSV's video column says <name>/1/*.png."""
    nested = split_dir / name / "1"
    return nested if nested.is_dir() else split_dir / name


def build_index(dataset: DatasetPaths, splits: list[str]) -> tuple[list[Video], list[Problem], dict[str, int]]:
    """Every video of every split with its frames, every problem found on the way, and the rows of each CSV."""
    videos: list[Video] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    listed_rows: dict[str, int] = {}
    for split in splits:
        rows = read_corpus_csv(dataset.csv_path(split))
        listed_rows[split] = len(rows)
        if not rows:  # nothing to look for: an empty split
            log.warning("split %r: %s lists no videos", split, dataset.csv_path(split))
            continue
        split_dir = dataset.split_dir(split)
        if not split_dir.is_dir():
            raise InputError(
                f"frame folder for split {split!r} not found: {split_dir}\n"
                "Fix: check dataset_path and frames_subdir in the config, or remove the split from 'splits'."
            )
        csv_path = dataset.csv_path(split)
        listed = set()
        for row in rows:
            name = row["name"]
            where = f"{csv_path}:{row['line']}"
            if unsafe_name(name):
                problems.append(Problem(split, name, where, "name escapes the dataset root or is empty"))
                continue
            if name in seen:
                other = seen[name]
                reason = "listed twice in this split" if other == split else f"also listed in split {other!r}"
                problems.append(Problem(split, name, where, f"duplicate name: {reason}"))
                continue
            seen[name] = split
            listed.add(name)
            folder = _video_folder(split_dir, name)
            relative = folder.relative_to(dataset.root).as_posix()
            if not folder.is_dir():
                problems.append(Problem(split, name, relative, "frame folder is missing"))
                continue
            frame_files, folder_problems = list_frames(folder)
            size, size_problem = frame_size(folder, frame_files) if not folder_problems else (None, None)
            for reason in folder_problems + ([size_problem] if size_problem else []):
                problems.append(Problem(split, name, relative, reason))
            if folder_problems or size_problem:
                continue
            width, height = size or (0, 0)
            annotations = {column: row[column] for column in ANNOTATION_COLUMNS}
            videos.append(Video(split, name, len(frame_files), relative, annotations, width, height))
        with os.scandir(split_dir) as entries:
            orphans = sorted(e.name for e in entries if e.is_dir() and e.name not in listed)
        for name in orphans:
            relative = (split_dir / name).relative_to(dataset.root).as_posix()
            problems.append(Problem(split, name, relative, f"folder is listed in no row of {csv_path.name}"))
    return videos, problems, listed_rows


def problems_message(problems: list[Problem]) -> str:
    return problem_list(
        f"the dataset has {len(problems)} problems:",
        [f"{p.split}/{p.video_id}: {p.reason} [{p.path}]" for p in problems],
        "repair these videos (restore missing frames, remove stray files, correct the CSV), "
        "or set on_bad_video: skip in the config to leave them out; skipped videos are listed "
        "in results/index/skipped.tsv.",
    )


def select_videos(
    dataset: DatasetPaths,
    splits: list[str],
    on_bad_video: str,
    max_per_split: int | None,
    manifest: Path | None = None,
    video_rotation: str = "auto",
) -> tuple[list[Video], list[Problem]]:
    """The videos to extract, from the PHOENIX layout or a manifest: refuses a bad video ("fail") or leaves it
    out with a warning ("skip"); a split whose CSV (or manifest) lists videos but keeps none is refused."""
    found = build_manifest_index(manifest, splits, video_rotation) if manifest else build_index(dataset, splits)
    videos, problems, listed_rows = found
    if problems and on_bad_video == "fail":
        raise InputError(problems_message(problems))
    for problem in problems:
        log.warning("skipped %s/%s: %s [%s]", problem.split, problem.video_id, problem.reason, problem.path)
    emptied = [split for split in splits if listed_rows[split] and not any(v.split == split for v in videos)]
    if emptied:
        listing = "the manifest lists" if manifest else "its CSV lists"
        raise InputError(
            "no usable video is left in "
            + ", ".join(f"split {split!r} ({listing} {listed_rows[split]})" for split in emptied)
            + ": every one was skipped.\n"
            + problems_message([p for p in problems if p.split in emptied])
        )
    return limit_per_split(videos, max_per_split), problems


def limit_per_split(videos: list[Video], max_per_split: int | None) -> list[Video]:
    """The first max_per_split videos of each split, in CSV order."""
    if max_per_split is None:
        return videos
    counts: dict[str, int] = {}
    kept = []
    for video in videos:
        counts[video.split] = counts.get(video.split, 0) + 1
        if counts[video.split] <= max_per_split:
            kept.append(video)
    return kept
