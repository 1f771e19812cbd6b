"""The model-input files: one NPZ per split, flat arrays loadable with allow_pickle=False."""

from pathlib import Path

from .atomic import write_npz
from .errors import InputError
from .merge import split_arrays

NPZ_NAME = "{split}_keypoints.npz"


def npz_path(folder: str | Path, split: str) -> Path:
    return Path(folder) / NPZ_NAME.format(split=split)


def write_split_npz(merged: dict, split: str, path: str | Path) -> dict:
    """Write one split of a merged file as an NPZ; returns its arrays."""
    if split not in merged:
        raise InputError(f"split {split!r} is not in the keypoint file (it has {list(merged)}). Fix: pick one.")
    arrays = split_arrays(merged[split])
    write_npz(path, **arrays)
    return arrays
