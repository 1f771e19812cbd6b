"""Per-video results kept while a shard runs, so that a rerun redoes only unfinished videos.

Snakemake deletes a failed job's outputs, so the journal lives outside them. An
entry is valid only for the same extraction settings, the same extraction code
and MediaPipe version, and the same frames (names, sizes, modification times).
"""

import hashlib
import importlib.metadata
import json
import pickle
from pathlib import Path

from .atomic import write_pickle
from .holistic import VideoResult

_CODE_FILES = ("holistic.py", "landmarks.py", "layout.py", "frame_sources.py")


def code_version(engine: str = "mediapipe") -> str:
    """The extraction code an entry was made with: MediaPipe's version and our files (the torch engine's too)."""
    digest = hashlib.sha256(importlib.metadata.version("mediapipe").encode())
    package = Path(__file__).parent
    files = [package / name for name in _CODE_FILES]
    if engine == "torch":
        files += sorted((package / "engine").glob("*.py"))
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(settings: dict, source, code: str) -> str:
    """source: a frame_sources source; its frames' (or its file's) names, sizes and modification times."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    digest.update(code.encode())
    for item in source.fingerprint_items():
        digest.update(f"{item}\n".encode())
    return digest.hexdigest()


def entry_path(journal_dir: Path, split: str, video_id: str) -> Path:
    return Path(journal_dir) / split / f"{video_id}.pkl"


def load(journal_dir: Path, split: str, video_id: str, expected: str) -> VideoResult | None:
    """The journaled result, or None if there is none or it no longer matches."""
    path = entry_path(journal_dir, split, video_id)
    try:
        with open(path, "rb") as stream:
            entry = pickle.load(stream)
    except FileNotFoundError:
        return None
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        path.unlink(missing_ok=True)  # unreadable entries are recomputed
        return None
    return entry["result"] if entry.get("fingerprint") == expected else None


def save(journal_dir: Path, split: str, video_id: str, fingerprint_: str, result: VideoResult) -> None:
    write_pickle(entry_path(journal_dir, split, video_id), {"fingerprint": fingerprint_, "result": result})
