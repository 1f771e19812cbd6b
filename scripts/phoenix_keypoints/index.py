"""Read the corpus CSVs and list each video's frames, refusing anything doubtful."""

import csv
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import InputError
from .frame_sources import PNG_SIGNATURE, DecodedVideo, PngFrames, count_frames, is_video_file, probe_video
from .manifest import frame_bound, read_manifest, seconds_bound

CSV_COLUMNS = ("name", "video", "start", "end", "speaker", "orth", "translation")
ANNOTATION_COLUMNS = ("speaker", "orth", "translation")  # what the outputs keep of a PHOENIX CSV row
FRAME_NAME = re.compile(r"^images(\d+)\.png$")
# A frame saved in another format, or with an upper-case extension: said once per video, not per file.
OTHER_FORMAT_FRAME = re.compile(r"^images\d+\.(?P<extension>\w+)$", re.IGNORECASE)
MAX_PROBLEMS_SHOWN = 20

log = logging.getLogger(__name__)


@dataclass
class Video:
    split: str
    video_id: str
    n_frames: int  # a frame folder's count; a video file's from its container, until it is decoded
    source: str  # a frame folder or a video file, relative to the dataset root (or absolute), "/"-separated
    annotations: dict[str, str] = field(default_factory=dict)  # corpus columns the outputs carry per video
    width: int = 0  # of every frame (frame folders: from the PNG headers; 0: no header could be read)
    height: int = 0
    fps: float = 0.0  # a video file's frame rate; 0 for a frame folder (pose_export: fps then)
    start: int = 0  # the cut, in frame numbers: start included, end excluded (None: to the last frame)
    end: int | None = None
    shard: int | None = None
    rotation: int = 0  # a video file's: clockwise degrees that turn its stored frames upright
    start_time: float | None = None  # a video file's cut in seconds: frames shown at or after start_time,
    end_time: float | None = None  # and before end_time (start then stays 0, end None)

    @property
    def key(self) -> str:
        return f"{self.split}/{self.video_id}"

    @property
    def is_video_file(self) -> bool:
        return is_video_file(self.source)


@dataclass
class Problem:
    split: str
    video_id: str
    path: str
    reason: str


@dataclass
class DatasetPaths:
    """Where a release keeps its corpus CSVs and frames."""

    root: Path
    annotations_subdir: str = "annotations/manual"
    frames_subdir: str = "features/fullFrame-210x260px"
    csv_pattern: str = "PHOENIX-2014-T.{split}.corpus.csv"

    def csv_path(self, split: str) -> Path:
        return self.root / self.annotations_subdir / self.csv_pattern.format(split=split)

    def split_dir(self, split: str) -> Path:
        return self.root / self.frames_subdir / split


def frame_number(name: str) -> int | None:
    match = FRAME_NAME.match(name)
    return int(match.group(1)) if match else None


def _other_format(extension: str, names: list[str]) -> str:
    example = sorted(names)[0]
    if extension.lower() == "png":
        return (
            f"{len(names)} frames end in .{extension} ({example}), not .png. "
            f'Fix: rename them, e.g. in the folder: for f in *.{extension}; do mv "$f" "${{f%.*}}.png"; done'
        )
    return (
        f"{len(names)} frames are .{extension} files ({example}); frames must be PNG files named imagesNNNN.png. "
        f"Fix: convert them to PNG, e.g. in the folder: mogrify -format png *.{extension} && rm *.{extension}"
    )


def list_frames(folder: Path) -> tuple[list[str], list[str]]:
    """Frame file names in numeric order, and the reasons this folder is not usable.

    Hidden files (".DS_Store" and the like) are ignored; anything else that is not a file named
    imagesNNNN.png is a problem, so nothing is dropped silently.
    """
    numbered, other_formats, problems = [], {}, []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            number = frame_number(entry.name)
            if number is not None and entry.is_file():
                numbered.append((number, entry.name))
            elif number is not None:
                problems.append(f"{entry.name!r} is a folder, not a frame")
            elif (match := OTHER_FORMAT_FRAME.match(entry.name)) and entry.is_file():
                other_formats.setdefault(match["extension"], []).append(entry.name)
            else:
                kind = "folder" if entry.is_dir() else "file"
                problems.append(f"unexpected {kind} {entry.name!r} (frames must be named imagesNNNN.png)")
    problems[:0] = [_other_format(extension, names) for extension, names in sorted(other_formats.items())]
    numbered.sort()
    if not numbered and not problems:
        problems.append("no frames (imagesNNNN.png) in the folder")
    if numbered:
        numbers = [n for n, _ in numbered]
        first = numbers[0]
        if first not in (0, 1):
            problems.append(f"numbering starts at {first}: frames before it are missing")
        duplicates = len(numbers) - len(set(numbers))
        if duplicates:
            problems.append(f"{duplicates} frame numbers appear twice (as in images1.png and images01.png)")
        missing = (numbers[-1] - first + 1) - len(set(numbers))
        if missing > 0:
            gaps = sorted(set(range(first, numbers[-1] + 1)) - set(numbers))
            shown = ", ".join(map(str, gaps[:10])) + (" ..." if len(gaps) > 10 else "")
            problems.append(f"gap in the numbering: {missing} frames missing ({shown})")
    return [name for _, name in numbered], problems


def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the PNG header (24 bytes), or None when the file is no readable PNG: such a frame
    is left to on_bad_frame when it is decoded."""
    fd = os.open(path, os.O_RDONLY)  # half the time of open(): the index reads ~950,000 of these
    try:
        head = os.read(fd, 24)
    finally:
        os.close(fd)
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def frame_size(folder: Path, frame_files: list[str]) -> tuple[tuple[int, int] | None, str | None]:
    """The one size of a video's frames, and a problem if they have several (keypoints are normalised by
    the frame's size, and tracking carries positions from frame to frame)."""
    sizes: dict[tuple[int, int], list[str]] = {}
    for name in frame_files:
        if (size := png_size(folder / name)) is not None:
            sizes.setdefault(size, []).append(name)
    if len(sizes) <= 1:
        return next(iter(sizes), None), None
    ranked = sorted(sizes.items(), key=lambda item: -len(item[1]))
    shown = ", ".join(f"{w}x{h} ({len(names)} frames, e.g. {names[0]})" for (w, h), names in ranked)
    return None, f"frames of different sizes: {shown}. Fix: give every frame of the video the same size"


def frames_fingerprint(dataset: DatasetPaths, splits: list[str]) -> str:
    """A digest of the names, sizes and modification times of everything under the splits' frame folders
    (video folders, a 1/ folder in them, frames): any frame added, removed or replaced changes it."""
    return frames_fingerprints(dataset, splits)[0]


def frames_fingerprints(dataset: DatasetPaths, splits: list[str]) -> tuple[str, dict[str, str]]:
    """frames_fingerprint, and a digest of each video folder's frames ({'split/name': digest})."""
    digest, videos = hashlib.sha256(), {}
    for split in splits:
        _digest_folder(digest, dataset.split_dir(split), depth=3, videos=videos, prefix=f"{split}/")
    return digest.hexdigest(), videos


def manifest_fingerprint(manifest: Path, splits: list[str]) -> str:
    """As frames_fingerprint, for the videos of a manifest's rows in the splits: their files or frame folders."""
    return manifest_fingerprints(manifest, splits)[0]


def manifest_fingerprints(manifest: Path, splits: list[str]) -> tuple[str, dict[str, str]]:
    """manifest_fingerprint, and a digest of each row's file or frame folder ({'split/video_id': digest})."""
    digest, videos = hashlib.sha256(), {}
    for row in read_manifest(manifest)[1]:
        if row["split"] in splits:
            both = _Both(digest, hashlib.sha256())
            path = manifest.parent / row["path"]
            if path.is_dir():
                _digest_folder(both, path, depth=1)
            else:
                stat = path.stat() if path.exists() else None
                both.update(f"{row['path']}\0{stat and (stat.st_size, stat.st_mtime_ns)}\n".encode())
            videos[f"{row['split']}/{row['video_id']}"] = both.second.hexdigest()
    return digest.hexdigest(), videos


class _Both:
    """Two digests fed the same bytes: the whole dataset's and one video's."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def update(self, data: bytes) -> None:
        self.first.update(data)
        self.second.update(data)


def _digest_folder(digest, folder: Path, depth: int, videos: dict | None = None, prefix: str = "") -> None:
    """videos: where a split folder's entries (its video folders) each get a digest of their own too."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        digest.update(f"{folder} missing\n".encode())
        return
    for entry in entries:
        stat = entry.stat()
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        if depth > 1 and entry.is_dir():
            if videos is None:
                _digest_folder(digest, Path(entry.path), depth - 1)
            else:
                both = _Both(digest, hashlib.sha256())
                _digest_folder(both, Path(entry.path), depth - 1)
                videos[prefix + entry.name] = both.second.hexdigest()


MAX_CHANGES_SHOWN = 20


def changed_since_last_index(record: str | Path, current: dict[str, str]) -> str | None:
    """A line naming the videos whose frames or files changed since the index that wrote `record`; None when
    nothing changed or no index ran before."""
    try:
        previous = json.loads(Path(record).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    changed = changed_sources(previous, current)
    if not changed:
        return None
    more = f", and {len(changed) - MAX_CHANGES_SHOWN} more" if len(changed) > MAX_CHANGES_SHOWN else ""
    shown = ", ".join(changed[:MAX_CHANGES_SHOWN])
    return f"{plural_videos(len(changed))} changed since the last index ({record}): {shown}{more}"


def plural_videos(count: int) -> str:
    return f"{count} video" if count == 1 else f"{count} videos"


def changed_sources(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """'split/video (what)' for each video whose frames or file changed, appeared or went since `previous`."""
    return sorted(
        [f"{key} (frames or file changed)" for key in current.keys() & previous.keys() if current[key] != previous[key]]
        + [f"{key} (new)" for key in current.keys() - previous.keys()]
        + [f"{key} (gone)" for key in previous.keys() - current.keys()]
    )


def _unsafe_name(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (
        not name.strip()
        or name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".") for part in parts)
        or len(parts) != 1
    )


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
            if _unsafe_name(name):
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
    lines = [f"the dataset has {len(problems)} problems:"]
    for p in problems[:MAX_PROBLEMS_SHOWN]:
        lines.append(f"  {p.split}/{p.video_id}: {p.reason} [{p.path}]")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    lines.append(
        "Fix: repair these videos (restore missing frames, remove stray files, correct the CSV), "
        "or set on_bad_video: skip in the config to leave them out; skipped videos are listed "
        "in results/index/skipped.tsv."
    )
    return "\n".join(lines)


def _cut(row: dict, fps: float) -> tuple[int, int | None]:
    start, end = frame_bound(row.get("start", ""), fps), frame_bound(row.get("end", ""), fps)
    if (start or 0) < 0 or (end is not None and end <= (start or 0)):
        raise ValueError(f"start {row.get('start')!r} and end {row.get('end')!r} leave no frame")
    return start or 0, end


def _manifest_video(
    split: str, name: str, source: Path, relative: str, row: dict, annotations: list[str], video_rotation: str,
):  # fmt: skip
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
    cut = DecodedVideo(source, relative, 0 if start_time is not None else start,
                       None if end_time is not None else end, None, info.rotation, start_time, end_time)  # fmt: skip
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
        if _unsafe_name(name):
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


def select_videos(
    dataset: DatasetPaths, splits: list[str], on_bad_video: str, max_per_split: int | None,
    manifest: Path | None = None, video_rotation: str = "auto",
) -> tuple[list[Video], list[Problem]]:  # fmt: skip
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


def video_source(dataset_root: Path, video: Video) -> PngFrames | DecodedVideo:
    """Where the video's frames are read from: its frame folder (checked against the index) or its file."""
    location = dataset_root / video.source  # an absolute source stays as it is
    if video.is_video_file:
        return DecodedVideo(
            location, video.source, video.start, video.end, video.n_frames, video.rotation, video.start_time,
            video.end_time,
        )  # fmt: skip
    return PngFrames(video_frame_paths(dataset_root, video), video.source)


def video_frame_paths(dataset_root: Path, video: Video) -> list[Path]:
    """A frame folder's frames on disk now (within the video's cut), checked against the index."""
    folder = dataset_root / video.source
    frame_files, problems = list_frames(folder)
    frame_files = frame_files[video.start : video.end]
    if problems or len(frame_files) != video.n_frames:
        found = f"{len(frame_files)} frames" + (f" ({'; '.join(problems)})" if problems else "")
        raise InputError(
            f"{folder} changed since it was indexed: the index has {video.n_frames} frames, "
            f"the folder now has {found}.\nFix: restore the folder, or delete results/index to index again."
        )
    return [folder / name for name in frame_files]
