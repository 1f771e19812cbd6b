"""Write final files all-or-nothing: a temp file beside the target, then rename.

A crash or a full disk leaves the previous file (or none) at the final path,
never a truncated one.
"""

import json
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path (same folder, same suffix) that replaces `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield temp
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_pickle(path, obj) -> None:
    with atomic_path(path) as temp, open(temp, "wb") as out:
        pickle.dump(obj, out, protocol=pickle.HIGHEST_PROTOCOL)


def read_pickle(path):
    with open(path, "rb") as stream:
        return pickle.load(stream)


def write_json(path, obj) -> None:
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_text(path, text: str) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


def write_npz(path, **arrays: np.ndarray) -> None:
    with atomic_path(path) as temp:
        np.savez(temp, **arrays)
