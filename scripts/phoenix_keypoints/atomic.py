"""Write final files all-or-nothing: a temp file beside the target, then rename.

A crash or a full disk leaves the previous file (or none) at the final path,
never a truncated one.
"""

import json
import os
import pickle
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import InputError


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


def link_or_copy(source: str | os.PathLike, path: str | os.PathLike) -> str:
    """`path` as a hard link to `source` (one copy on disk), or a copy of it where no link can be made (another
    file system); all-or-nothing as every write here. Returns "linked" or "copied"."""
    with atomic_path(path) as temp:
        try:
            os.link(source, temp)
            return "linked"
        except FileNotFoundError:
            raise
        except OSError:  # EXDEV across file systems, or a file system without hard links
            shutil.copyfile(source, temp)
            return "copied"


def write_pickle(path, obj) -> None:
    with atomic_path(path) as temp, open(temp, "wb") as out:
        pickle.dump(obj, out, protocol=pickle.HIGHEST_PROTOCOL)


def read_pickle(path):
    with open(path, "rb") as stream:
        return pickle.load(stream)


def read_input_pickle(path, fix: str):
    """A pickle the user named: a missing or unreadable file is an InputError that says so, and `fix`."""
    try:
        return read_pickle(path)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist. Fix: check the path.") from None
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise InputError(f"{path} is not a readable pickle ({err}). Fix: {fix}") from None


def write_json(path, obj) -> None:
    with atomic_path(path) as temp:
        temp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_text(path, text: str) -> None:
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


# np.savez stamps each member with the current time; a fixed one makes equal arrays equal files.
NPZ_MEMBER_TIME = (1980, 1, 1, 0, 0, 0)


def write_npz(path, arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed NPZ (as np.savez writes it, loadable with allow_pickle=False), the same bytes for the same
    arrays."""
    with atomic_path(path) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(zipfile.ZipInfo(f"{name}.npy", NPZ_MEMBER_TIME), "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
