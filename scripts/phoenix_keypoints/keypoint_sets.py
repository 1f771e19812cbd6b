"""Keypoints as flat per-split arrays: what flows between the stages and what the NPZ files hold.

A keypoint set is {split: arrays}. On disk it is one `{split}_keypoints.npz` per split (merge writes
results/merged/, prepare writes results/model_input_data/ once verify passed), or, for users of the
old scripts, one pickle of per-frame dicts (results/phoenix_keypoints_full.pkl, the "seed format").
"""

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .atomic import read_input_pickle, write_pickle, write_text
from .errors import InputError
from .layout import NUM_COORDS, NUM_POINTS, PART_NAMES

NPZ_NAME = "{split}_keypoints.npz"
NPZ_PATTERN = re.compile(r"^(?P<split>.+)_keypoints\.npz$")
SPLIT_ORDER = ("train", "dev", "test")
PRESENT_KEYS = tuple(f"{part}_present" for part in PART_NAMES)
# The seed format's per-video keys; any other key of a video there is a corpus column.
SEED_VIDEO_KEYS = ("video_id", "offset", "n_frames", "width", "height", "fps", "rotation", "vfr")


def npz_path(folder: str | Path, split: str) -> Path:
    return Path(folder) / NPZ_NAME.format(split=split)


def split_of(npz_file: str | Path) -> str:
    """The split an NPZ file holds, from its name ({split}_keypoints.npz)."""
    match = NPZ_PATTERN.match(Path(npz_file).name)
    if match is None:
        raise InputError(f"{npz_file} is not named {NPZ_NAME}. Fix: keep the names the workflow gives the files.")
    return match["split"]


class SplitAssembler:
    """One split's arrays, filled video by video from extraction records in any order.

    The videos and their frame counts are known beforehand (from the index), so the arrays are
    allocated once and each record is copied into its rows: merging never holds a second copy.
    """

    def __init__(self, names: list[str], lengths: list[int], columns: Iterable[str] = ()):
        self.names = names
        self.lengths = np.array(lengths, dtype=np.int64)
        self.offsets = np.cumsum(self.lengths) - self.lengths
        self.position = {name: i for i, name in enumerate(names)}
        n = int(self.lengths.sum())
        self.keypoints = np.zeros((n, NUM_POINTS, NUM_COORDS), dtype=np.float32)
        self.presence = np.zeros((n, len(PART_NAMES)), dtype=bool)
        self.image_paths: list[str] = [""] * n
        self.widths = np.zeros(len(names), dtype=np.int32)
        self.heights = np.zeros(len(names), dtype=np.int32)
        self.fps = np.zeros(len(names), dtype=np.float32)
        self.frame_times = np.full(n, np.nan)  # seconds from the start of the video (file)
        self.rotations = np.zeros(len(names), dtype=np.int16)  # clockwise degrees applied to a video file
        self.vfr = np.zeros(len(names), dtype=bool)  # a video file with a variable frame rate
        # The corpus columns each video keeps (PHOENIX: speaker, orth, translation): what sign language
        # recognition and translation models train on. The dataset's `columns` from the start, so that a split
        # without videos has them too; others in the order first seen.
        self.annotations: dict[str, list[str]] = {column: [""] * len(names) for column in columns}
        self.bad_frames: dict[int, str] = {}
        self.filled = np.zeros(len(names), dtype=bool)

    def put(self, record: dict) -> str | None:
        """Copy one video's record into its rows; a problem (and nothing copied) if it does not fit."""
        i = self.position.get(record["video_id"])
        if i is None:
            return "is not in the index"
        if self.filled[i]:
            return "appears twice"
        n_paths, n_rows = len(record["image_paths"]), len(record["keypoints"])
        distinct = len(set(record["image_paths"]))
        if n_paths != self.lengths[i] or n_rows != self.lengths[i] or distinct != n_paths:
            return f"has {n_rows} keypoint rows and {distinct} distinct frames, the index has {self.lengths[i]} frames"
        rows = slice(int(self.offsets[i]), int(self.offsets[i] + self.lengths[i]))
        self.keypoints[rows] = record["keypoints"]
        self.presence[rows] = record["presence"]
        self.image_paths[rows] = record["image_paths"]
        self.widths[i], self.heights[i], self.fps[i] = record["width"], record["height"], record["fps"]
        self.frame_times[rows] = frame_times(record, n_rows)
        self.rotations[i], self.vfr[i] = record.get("rotation", 0), record.get("vfr", False)
        for column, value in record["annotations"].items():
            self.annotations.setdefault(column, [""] * len(self.names))[i] = value
        self.bad_frames.update((rows.start + frame, reason) for frame, reason in record["bad_frames"])
        self.filled[i] = True
        return None

    def missing(self) -> list[str]:
        return [name for name, filled in zip(self.names, self.filled, strict=True) if not filled]

    def arrays(self, settings: dict | None) -> dict[str, np.ndarray]:
        names = np.array(self.names, dtype=str)
        bad_rows = sorted(self.bad_frames)
        return {
            "keypoints": self.keypoints,
            "presence": self.presence,
            "video_ids": np.repeat(names, self.lengths),
            "image_paths": np.array(self.image_paths, dtype=str),
            "frame_index": np.concatenate(
                [np.arange(n, dtype=np.int32) for n in self.lengths] or [np.zeros(0, np.int32)]
            ),
            "video_names": names,
            "video_offsets": self.offsets,
            "video_lengths": self.lengths,
            "part_names": np.array(PART_NAMES),
            "video_widths": self.widths,
            "video_heights": self.heights,
            "video_fps": self.fps,
            "frame_times": self.frame_times,
            "video_rotation": self.rotations,
            "video_vfr": self.vfr,
            "annotation_columns": np.array(list(self.annotations), dtype=str),
            **{f"video_{column}": np.array(values, dtype=str) for column, values in self.annotations.items()},
            "bad_frame_rows": np.array(bad_rows, dtype=np.int64),
            "bad_frame_reasons": np.array([self.bad_frames[row] for row in bad_rows], dtype=str),
            "settings": np.array(json.dumps(settings)),
        }


def frame_times(record: dict, n: int) -> np.ndarray:
    """A video's frame times: a video file's from its container; a frame folder's index / fps where its
    frame rate is known, else NaN."""
    times = record.get("frame_times")
    if times is not None and not np.all(np.isnan(times)):
        return times
    return np.arange(n) / record["fps"] if record["fps"] else np.full(n, np.nan)


# Every array a split's NPZ holds besides a video_<column> per annotation column: what the stages read.
NPZ_ARRAYS = tuple(SplitAssembler([], []).arrays(None))


def annotation_columns(annotations: Iterable[dict]) -> list[str]:
    """The columns of videos' annotations, in the order first seen."""
    return list(dict.fromkeys(column for values in annotations for column in values))


def arrays_from_records(records: list[dict], settings: dict | None, columns: Iterable[str] = ()) -> dict:
    """One split's arrays from its records, in the order given (columns: as SplitAssembler's)."""
    assembler = SplitAssembler([r["video_id"] for r in records], [len(r["image_paths"]) for r in records], columns)
    for record in records:
        if problem := assembler.put(record):
            raise InputError(f"{record['split']}/{record['video_id']} {problem}")
    return assembler.arrays(settings)


def sets_from_records(records: Iterable[dict], splits: list[str], settings: dict | None) -> dict[str, dict]:
    """{split: arrays} of per-video records, every listed split present (possibly empty)."""
    by_split: dict[str, list[dict]] = {split: [] for split in splits}
    for record in records:
        if record["split"] not in by_split:
            raise InputError(
                f"{record['split']}/{record['video_id']} belongs to split {record['split']!r}, not one of {splits}"
            )
        by_split[record["split"]].append(record)
    columns = annotation_columns(record["annotations"] for found in by_split.values() for record in found)
    return {split: arrays_from_records(found, settings, columns) for split, found in by_split.items()}


def video_slices(arrays) -> dict[str, slice]:
    """Each video's rows in split arrays (or an NPZ file), by video name."""
    return {
        str(name): slice(int(offset), int(offset + length))
        for name, offset, length in zip(
            arrays["video_names"], arrays["video_offsets"], arrays["video_lengths"], strict=True
        )
    }


def settings_of(arrays) -> dict | None:
    return json.loads(str(arrays["settings"]))


def bad_frames_table(sets: dict[str, dict]) -> str:
    """results/bad_frames.tsv: every frame kept as zeros because it could not be decoded."""
    lines = ["split\tvideo_id\tframe_index\timage_path\treason"]
    for split, arrays in sets.items():
        for row, reason in zip(arrays["bad_frame_rows"], arrays["bad_frame_reasons"], strict=True):
            lines.append(
                f"{split}\t{arrays['video_ids'][row]}\t{arrays['frame_index'][row]}\t{arrays['image_paths'][row]}"
                f"\t{reason}"
            )
    return "\n".join(lines) + "\n"


def write_bad_frames(path: str | Path, sets: dict[str, dict]) -> None:
    write_text(path, bad_frames_table(sets))


# The seed format: {split: {'keypoints': [per-frame dicts], 'videos', 'bad_frames', 'settings'}}.


def to_seed_split(arrays) -> dict:
    """One split in the seed format, from its arrays."""
    video_ids, image_paths = arrays["video_ids"].tolist(), arrays["image_paths"].tolist()
    frame_index, presence, keypoints = arrays["frame_index"].tolist(), arrays["presence"].tolist(), arrays["keypoints"]
    times = arrays["frame_times"].tolist()
    frames = []
    for row in range(len(keypoints)):
        frame = {
            "video_id": video_ids[row],
            "frame_index": frame_index[row],
            "image_path": image_paths[row],
            "time": times[row],
            "keypoints": keypoints[row],
        }
        frame.update(zip(PRESENT_KEYS, presence[row], strict=True))
        frames.append(frame)
    per_video = [
        arrays[f"video_{key}"].tolist()
        for key in ("names", "offsets", "lengths", "widths", "heights", "fps", "rotation", "vfr")
    ]
    columns = arrays["annotation_columns"].tolist()
    per_video += [arrays[f"video_{column}"].tolist() for column in columns]
    keys = SEED_VIDEO_KEYS + tuple(columns)
    videos = [dict(zip(keys, values, strict=True)) for values in zip(*per_video, strict=True)]
    bad_frames = [
        {"video_id": video_ids[row], "frame_index": frame_index[row], "image_path": image_paths[row], "reason": reason}
        for row, reason in zip(arrays["bad_frame_rows"].tolist(), arrays["bad_frame_reasons"].tolist(), strict=True)
    ]
    return {"keypoints": frames, "videos": videos, "bad_frames": bad_frames, "settings": settings_of(arrays)}


def seed_columns(seed: dict) -> list[str]:
    """The annotation columns of a seed-format keypoint set's videos, over all its splits."""
    videos = (video for split in seed.values() for video in split["videos"])
    return annotation_columns({key: value for key, value in v.items() if key not in SEED_VIDEO_KEYS} for v in videos)


def from_seed_split(split: dict, columns: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """One seed-format split as arrays (columns: the set's, seed_columns; an empty split has no videos to say)."""
    frames, videos = split["keypoints"], split["videos"]
    assembler = SplitAssembler([v["video_id"] for v in videos], [v["n_frames"] for v in videos], columns)
    bad = {(b["video_id"], b["frame_index"]): b["reason"] for b in split["bad_frames"]}
    for video in videos:
        rows = frames[video["offset"] : video["offset"] + video["n_frames"]]
        keypoints = np.empty((len(rows), NUM_POINTS, NUM_COORDS), dtype=np.float32)
        for i, frame in enumerate(rows):  # row by row: np.stack would hold a second copy
            keypoints[i] = frame["keypoints"]
        record = {
            "split": None,
            "video_id": video["video_id"],
            "image_paths": [frame["image_path"] for frame in rows],
            "keypoints": keypoints,
            "presence": np.array([[frame[key] for key in PRESENT_KEYS] for frame in rows], dtype=bool),
            "width": video["width"],
            "height": video["height"],
            "fps": video.get("fps", 0.0),  # not in keypoint files of earlier versions
            "frame_times": np.array([frame.get("time", np.nan) for frame in rows], dtype=np.float64),
            "rotation": video.get("rotation", 0),
            "vfr": video.get("vfr", False),
            "annotations": {key: value for key, value in video.items() if key not in SEED_VIDEO_KEYS},
            "bad_frames": [
                (f["frame_index"], bad[video["video_id"], f["frame_index"]])
                for f in rows
                if (video["video_id"], f["frame_index"]) in bad
            ],
        }
        if problem := assembler.put(record):
            raise InputError(f"video {video['video_id']} {problem}")
    return assembler.arrays(split["settings"])


def write_seed_pickle(path: str | Path, sets: dict[str, dict]) -> None:
    """The seed-format pickle of a keypoint set, built one split at a time."""
    write_pickle(path, {split: to_seed_split(arrays) for split, arrays in sets.items()})


class KeypointSet:
    """Keypoints to read one split at a time: NPZ files (a list, or a folder of them) or a seed-format pickle."""

    def __init__(self, source: str | Path | list):
        self.seed = None
        if isinstance(source, list | tuple):
            self.files = {split_of(path): Path(path) for path in source}
        elif Path(source).is_dir():
            found = {split_of(path): path for path in Path(source).glob("*_keypoints.npz")}
            if not found:
                raise InputError(f"{source} holds no {NPZ_NAME} files. Fix: pass the folder the workflow wrote.")
            order = sorted(found, key=lambda s: (SPLIT_ORDER.index(s) if s in SPLIT_ORDER else len(SPLIT_ORDER), s))
            self.files = {split: found[split] for split in order}
        else:
            self.seed = read_seed_pickle(source)
            self.seed_columns = seed_columns(self.seed)
            self.files = dict.fromkeys(self.seed)

    @property
    def splits(self) -> list[str]:
        return list(self.files)

    def split(self, name: str) -> dict[str, np.ndarray]:
        if self.seed is not None:
            self._check_split(name)
            return from_seed_split(self.seed[name], self.seed_columns)
        with np.load(self.npz_file(name), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}

    def npz_file(self, name: str) -> Path:
        """The NPZ file of a split, checked to hold every array of the current format (its data unread)."""
        self._check_split(name)
        with np.load(self.files[name], allow_pickle=False) as npz:
            missing = [key for key in NPZ_ARRAYS if key not in npz.files]
        if missing:
            raise InputError(
                f"{self.files[name]} has no {', '.join(missing)}: an older version of the workflow wrote it.\n"
                "Fix: rerun the workflow (snakemake --cores N), which rewrites it."
            )
        return self.files[name]

    def _check_split(self, name: str) -> None:
        if name not in self.files:
            raise InputError(f"split {name!r} is not in the keypoints (they have {self.splits}). Fix: pick one.")

    def __iter__(self) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        for name in self.splits:
            yield name, self.split(name)


def read_seed_pickle(path: str | Path) -> dict:
    """A seed-format keypoint file, checked to be one."""
    merged = read_input_pickle(path, "regenerate it.")
    if not (isinstance(merged, dict) and all(isinstance(s, dict) and "videos" in s for s in merged.values())):
        raise InputError(
            f"{path} is not a keypoint file ({{split: {{'keypoints': [...], 'videos': [...]}}}}) nor a folder of "
            f"{NPZ_NAME} files.\nFix: pass results/phoenix_keypoints_full.pkl, results/merged or "
            "results/model_input_data, or the output of `phoenix-keypoints extract` or `merge`."
        )
    return merged
