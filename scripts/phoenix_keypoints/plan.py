"""What the Snakefile needs at parse time to plan the jobs: paths, checks, job sizes."""

import fcntl
import os
import sys
import time
from itertools import islice
from pathlib import Path

import yaml

from . import fingerprints, index, run_settings
from .engine.support import check_engine
from .errors import InputError
from .frame_sources import is_video_file
from .holistic import check_model_available
from .keypoint_sets import npz_path
from .manifest import read_manifest
from .noise_floor import seed_folder
from .videos import DatasetPaths

RESULTS = "results"
MERGED = f"{RESULTS}/merged"
BASELINE = f"{RESULTS}/verify/baseline"
FLOOR = f"{RESULTS}/verify/floor"
MODEL_INPUT = f"{RESULTS}/model_input_data"
# Each video's fingerprint at the last index, to name the videos that changed since (kept like the journal).
INDEX_SOURCES = f"{RESULTS}/journal/index_sources.json"
DEFAULT_THREADS_PER_JOB = 2
FOLDERS_LOOKED_AT = 100  # entries of dataset_path (and of its folders) searched for video files


def settle_config(config: dict, config_settings, schema: str | Path) -> None:
    """The config of this command: typed --config values (null for a key that may be null), and the settings of
    the run that made results/ where this command does not choose them, each said on the console
    (config_settings: Snakemake's workflow.config_settings; schema: config.schema.yaml)."""
    properties = yaml.safe_load(Path(schema).read_text(encoding="utf-8"))["properties"]
    nullable = frozenset(key for key, spec in properties.items() if "null" in listed(spec.get("type", [])))
    kept = run_settings.settle(config, config_settings.overwrite_config, config_settings.config, RESULTS, nullable)
    chosen = set(run_settings.dotted_keys(config_settings.overwrite_config)) | {key for key, _, _ in kept}
    if config["manifest"] and "splits" not in chosen and config["splits"] == properties["splits"]["default"]:
        take_the_manifests_splits(config)
    if kept:
        print(
            f"Kept from the run in {RESULTS}/ ({RESULTS}/{run_settings.RECORD_NAME}), as this command does not "
            "choose them:",
            file=sys.stderr,
        )
        for key, value, replaced in kept:
            print(f"  {key}={value}: {how_to_change(key, replaced)}", file=sys.stderr)


def take_the_manifests_splits(config: dict) -> None:
    """With a manifest and no splits chosen, the splits are those the manifest lists, in its order."""
    manifest = Path(config["manifest"])
    if manifest.is_file():  # else check_config says so
        listed = list(dict.fromkeys(row["split"] for row in read_manifest(manifest)[1]))
        config["splits"] = listed or config["splits"]


def listed(value) -> list:
    """A schema's "type": one name or a list of them."""
    return value if isinstance(value, list) else [value]


# The Makefile's variables for config keys (make run ENGINE=torch).
MAKE_VARIABLES = {"dataset_path": "DATASET", "manifest": "MANIFEST", "engine": "ENGINE"}


def how_to_change(key: str, config_file_value) -> str:
    """How a command chooses another value for a key that results/settings.yaml keeps."""
    if key in ("dataset_path", "manifest"):
        return "one results folder holds one dataset: another needs another folder (--directory) or make clean"
    value = "null" if config_file_value is None else config_file_value
    parent, _, leaf = key.partition(".")
    option = f"--config {parent}='{{{leaf}: {value}}}'" if leaf else f"--config {key}={value}"
    make = f" (make: {MAKE_VARIABLES[key]}={value})" if key in MAKE_VARIABLES else ""
    return f"to change it, {option}{make}"


_results_lock: int | None = None  # held until this process ends
_run_started: float | None = None


def claim_results(config: dict, config_settings) -> None:
    """Refuse a second run in the same folder, even one started at the same instant as this one (Snakemake's
    own lock leaves a moment between its check and its lock); record the settings of this run."""
    global _results_lock, _run_started
    _run_started = time.time()
    Path(RESULTS).mkdir(exist_ok=True)
    fd = os.open(Path(RESULTS) / ".run.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InputError(
            f"another Snakemake run is working in {RESULTS}/ (it holds {RESULTS}/.run.lock).\n"
            "Fix: wait for it to finish, or stop it; then run again."
        ) from None
    _results_lock = fd
    run_settings.write_record(config, config_settings.overwrite_config, RESULTS)


def show_summary() -> None:
    """results/summary.txt on the console and in Snakemake's log, when this run wrote it."""
    from snakemake.logging import logger

    summary = Path(RESULTS) / "summary.txt"
    if _run_started is not None and summary.is_file() and summary.stat().st_mtime >= _run_started:
        logger.info(f"\n{summary.read_text(encoding='utf-8')}")


def check_config(config: dict) -> None:
    """Problems the schema cannot see, reported before any job runs. Changes nothing (adjust_config does)."""
    check_engine(config)
    check_model_available(config["holistic"]["model_complexity"])
    dataset = dataset_paths(config)
    if config["manifest"]:
        if not Path(config["manifest"]).is_file():
            raise InputError(f"manifest {config['manifest']!r} not found. Fix: check the path (--config manifest=...).")
    elif holds_videos_not_a_release(dataset):
        raise InputError(
            f"dataset_path {str(dataset.root)!r} is "
            + ("a file" if dataset.root.is_file() else "a folder of video files")
            + ", not a PHOENIX-2014-T release: dataset_path is for the release layout only.\n"
            "Fix: give video files (or frame folders) as a manifest: --config manifest=/data/videos.tsv "
            "(make run MANIFEST=/data/videos.tsv); `phoenix-keypoints manifest FOLDER --output videos.tsv` "
            "writes one from a folder of videos (docs/datasets.md)."
        )
    elif not (dataset.root / dataset.annotations_subdir).is_dir():
        raise InputError(
            f"dataset_path {str(dataset.root)!r} has no {dataset.annotations_subdir}/ folder.\n"
            "Fix: pass the release root, e.g. --config dataset_path=/data/PHOENIX-2014-T-release-v3/PHOENIX-2014-T"
        )


def adjust_config(config: dict) -> None:
    """Rewrites the checked config in place: nested settings in one order, and no more shards than videos."""
    # Snakemake compares params as written: the same settings in another order (from the command line, the
    # config file or results/settings.yaml) must not rerun anything.
    for key, value in config.items():
        if isinstance(value, dict):
            config[key] = dict(sorted(value.items()))
    listed = listed_videos(config)
    if config["num_shards"] > max(1, listed):  # the rest would be empty jobs
        shards = max(1, listed)
        too_many = f"num_shards {config['num_shards']} is more than the {listed} videos {listing(config)}"
        print(f"{too_many}: {shards} shards instead", file=sys.stderr)
        config["num_shards"] = shards


def holds_videos_not_a_release(dataset: DatasetPaths) -> bool:
    """dataset_path names a file (a manifest, a video), or a folder of video files with no annotations/."""
    root = dataset.root
    if root.is_file():
        return True
    if not root.is_dir() or (root / dataset.annotations_subdir).is_dir():
        return False
    folders = [root, *(path for path in islice(root.iterdir(), FOLDERS_LOOKED_AT) if path.is_dir())]
    return any(is_video_file(path) for folder in folders for path in islice(folder.iterdir(), FOLDERS_LOOKED_AT))


def listing(config: dict) -> str:
    """What lists the videos, in messages that count them."""
    return "the manifest lists" if config["manifest"] else "the CSVs list"


def listed_videos(config: dict) -> int:
    """The videos the corpus CSVs list for the configured splits (max_samples_per_split applied): at most
    that many are indexed. Reading the CSVs takes milliseconds, even for the whole release."""
    dataset, limit = dataset_paths(config), config["max_samples_per_split"]
    if config["manifest"]:
        manifest_rows = read_manifest(Path(config["manifest"]))[1]
        rows = [sum(row["split"] == split for row in manifest_rows) for split in config["splits"]]
    else:
        rows = [len(index.read_corpus_csv(dataset.csv_path(split))) for split in config["splits"]]
    return sum(min(count, limit) if limit else count for count in rows)


def dataset_paths(config: dict) -> DatasetPaths:
    """The dataset's root (with a manifest: the manifest's folder, which its relative paths start from)."""
    if config["manifest"]:
        return DatasetPaths(Path(config["manifest"]).parent)
    return DatasetPaths(Path(config["dataset_path"]), config["annotations_subdir"], config["frames_subdir"])


def dataset_identity(config: dict) -> str:
    """The manifest, or the release's root, as an absolute path: what results/ was made from."""
    return run_settings.dataset_identity(config)


def sources_root(config: dict) -> str:
    """The folder the indexed sources (frame folders, video files) are relative to."""
    return str(dataset_paths(config).root)


def frames_fingerprint(config: dict) -> str:
    """Changes whenever a frame (or a video file) of the configured splits is added, removed or replaced: the
    index's params. Says which videos changed since the last index (Snakemake's reason shows only digests)."""
    total, videos = source_fingerprints(config)
    global _changes_said
    if not _changes_said:
        _changes_said = True
        changed = fingerprints.changed_since_last_index(INDEX_SOURCES, videos)
        if changed:
            print(changed, file=sys.stderr)
    return total


def source_fingerprints(config: dict) -> tuple[str, dict[str, str]]:
    """The digest of all the sources of the configured splits, and each video's ({'split/video': digest})."""
    manifest = Path(config["manifest"]) if config["manifest"] else None
    return fingerprints.source_fingerprints(dataset_paths(config), config["splits"], manifest)


_changes_said = False  # said once per command, however often Snakemake asks for the params


def corpus_csvs(config: dict) -> list[str]:
    """The index's input files: the corpus CSVs, or the manifest."""
    if config["manifest"]:
        return [config["manifest"]]
    dataset = dataset_paths(config)
    return [str(dataset.csv_path(split)) for split in config["splits"]]


def shard_ids(config: dict) -> list[int]:
    return list(range(config["num_shards"]))


def npz_files(folder: str, config: dict) -> list[str]:
    """{split}_keypoints.npz in folder for every split of the config."""
    return [str(npz_path(folder, split)) for split in config["splits"]]


def floor_seeds(config: dict) -> int:
    """MediaPipe runs with one pixel per frame changed, for the noise floor: only the torch engine needs them
    (MediaPipe itself must equal the baseline exactly)."""
    return config["verify"]["floor_seeds"] if config["engine"] == "torch" else 0


def floor_npz_files(config: dict) -> list[str]:
    return [path for k in range(floor_seeds(config)) for path in npz_files(str(seed_folder(FLOOR, k)), config)]


def floor_limits(config: dict) -> dict | None:
    """How far beyond the floor the torch engine may be (verify); None: exact comparison."""
    if not floor_seeds(config):
        return None
    return {key: config["verify"][key] for key in ("floor_factor", "floor_margin_px", "presence_margin")}


def split_npz(wildcards) -> str:
    """The model-input NPZ of the job's {split}."""
    return str(npz_path(MODEL_INPUT, wildcards.split))


def workers_per_job(threads_per_job: int | None, cores: int | None, gpu_slots: int | None) -> int:
    """Workers of one extraction job: so that gpu_slots jobs together fill the cores."""
    if threads_per_job:
        return threads_per_job
    if cores and gpu_slots:
        return max(1, cores // gpu_slots)
    return DEFAULT_THREADS_PER_JOB


def gpu_pool_size(num_gpus: int | None, gpu_resource: int | None) -> int:
    """Lock files in the slot pool: num_gpus, else the --resources gpu=N value, else none."""
    if num_gpus is not None:
        return num_gpus
    return int(gpu_resource or 0)
