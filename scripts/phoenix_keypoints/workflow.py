"""Logic the Snakefile needs at parse time, kept here so that tests can import it."""

from pathlib import Path

from .errors import InputError
from .holistic import check_model_available
from .index import DatasetLayout
from .model_input import npz_path

RESULTS = "results"
DEFAULT_THREADS_PER_JOB = 2


def check_config(config: dict) -> None:
    """Problems the schema cannot see, reported before any job runs."""
    check_model_available(config["holistic"]["model_complexity"])
    layout = dataset_layout(config)
    if not (layout.root / layout.annotations_subdir).is_dir():
        raise InputError(
            f"dataset_path {str(layout.root)!r} has no {layout.annotations_subdir}/ folder.\n"
            "Fix: pass the release root, e.g. --config dataset_path=/data/PHOENIX-2014-T-release-v3/PHOENIX-2014-T"
        )


def dataset_layout(config: dict) -> DatasetLayout:
    return DatasetLayout(Path(config["dataset_path"]), config["annotations_subdir"], config["frames_subdir"])


def corpus_csvs(config: dict) -> list[str]:
    layout = dataset_layout(config)
    return [str(layout.csv_path(split)) for split in config["splits"]]


def shard_ids(config: dict) -> list[int]:
    return list(range(config["num_shards"]))


def npz_paths(config: dict) -> list[str]:
    return [str(npz_path(f"{RESULTS}/model_input_data", split)) for split in config["splits"]]


def split_npz(wildcards) -> str:
    """The NPZ of the job's {split} (one of npz_paths)."""
    return str(npz_path(f"{RESULTS}/model_input_data", wildcards.split))


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
