"""What the Snakefile needs at parse time to plan the jobs: paths, checks, job sizes."""

from pathlib import Path

from .errors import InputError
from .holistic import check_model_available
from .index import DatasetPaths
from .keypoint_sets import npz_path

RESULTS = "results"
MERGED = f"{RESULTS}/merged"
BASELINE = f"{RESULTS}/verify/baseline"
MODEL_INPUT = f"{RESULTS}/model_input_data"
DEFAULT_THREADS_PER_JOB = 2


def check_config(config: dict) -> None:
    """Problems the schema cannot see, reported before any job runs."""
    check_model_available(config["holistic"]["model_complexity"])
    dataset = dataset_paths(config)
    if not (dataset.root / dataset.annotations_subdir).is_dir():
        raise InputError(
            f"dataset_path {str(dataset.root)!r} has no {dataset.annotations_subdir}/ folder.\n"
            "Fix: pass the release root, e.g. --config dataset_path=/data/PHOENIX-2014-T-release-v3/PHOENIX-2014-T"
        )


def dataset_paths(config: dict) -> DatasetPaths:
    return DatasetPaths(Path(config["dataset_path"]), config["annotations_subdir"], config["frames_subdir"])


def corpus_csvs(config: dict) -> list[str]:
    dataset = dataset_paths(config)
    return [str(dataset.csv_path(split)) for split in config["splits"]]


def shard_ids(config: dict) -> list[int]:
    return list(range(config["num_shards"]))


def npz_files(folder: str, config: dict) -> list[str]:
    """{split}_keypoints.npz in folder for every split of the config."""
    return [str(npz_path(folder, split)) for split in config["splits"]]


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
