"""Fingerprints of a dataset's sources (frame folders, video files): a digest of the whole that changes when
any frame or file is added, removed or replaced, one per video, and which videos changed since the last index."""

import hashlib
import json
import os
from pathlib import Path

from .manifest import read_manifest
from .videos import DatasetPaths


def source_fingerprints(dataset: DatasetPaths, splits: list[str], manifest: Path | None) -> tuple[str, dict[str, str]]:
    """The digest of all the sources of the splits and each video's: the manifest's rows, else the release's."""
    return manifest_fingerprints(manifest, splits) if manifest else frames_fingerprints(dataset, splits)


def frames_fingerprints(dataset: DatasetPaths, splits: list[str]) -> tuple[str, dict[str, str]]:
    """A digest of the names, sizes and modification times of everything under the splits' frame folders
    (video folders, a 1/ folder in them, frames), which any frame added, removed or replaced changes; and a
    digest of each video folder's frames ({'split/name': digest})."""
    digest, videos = hashlib.sha256(), {}
    for split in splits:
        _digest_folder(digest, dataset.split_dir(split), depth=3, videos=videos, prefix=f"{split}/")
    return digest.hexdigest(), videos


def manifest_fingerprints(manifest: Path, splits: list[str]) -> tuple[str, dict[str, str]]:
    """As frames_fingerprints, for the videos of a manifest's rows in the splits (their files or frame folders):
    the whole's digest, and each row's ({'split/video_id': digest})."""
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
