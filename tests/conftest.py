"""Shared helpers: run the real workflow with real Snakemake and MediaPipe on the sample in ../shared/data."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Third-party data stays outside the project: every development machine and CI have ../shared beside it.
from phoenix_keypoints.testing import SAMPLE, SHARED, SHARED_DATA, snakemake_command

ANNOTATIONS = SHARED_DATA / "phoenix-2014-t-annotations"
AUTSL_POSE = SHARED_DATA / "autsl-sample" / "signer0_sample1000.holistic.pose"
SAMPLE_FRAMES = {"train": 99, "dev": 9, "test": 2}
CLI = Path(sys.executable).parent / "phoenix-keypoints"

if not SAMPLE.is_dir():
    raise pytest.UsageError(f"the test data is not at {SHARED_DATA}: the tests need ../shared/data beside the project")


def run_snakemake(
    workdir: Path,
    *args: str,
    config: dict | None = None,
    check: bool = True,
    timeout: int = 900,
    env: dict | None = None,
):
    """Run the workflow's Snakefile in `workdir`; returns the CompletedProcess (stdout+stderr in .stdout)."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        snakemake_command(workdir, *args, config=config),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        cwd=workdir,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-6000:]}")
    return result


def run_cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the `phoenix-keypoints` command as a user would; stdout and stderr kept apart."""
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)


def copy_sample(destination: Path) -> Path:
    """A writable copy of the sample dataset."""
    shutil.copytree(SAMPLE, destination)
    return destination


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """One complete run of the workflow on the bundled sample; returns its working directory."""
    workdir = tmp_path_factory.mktemp("sample_run")
    run_snakemake(workdir, "--cores", "4", "--resources", "gpu=2", config={"dataset_path": SAMPLE})
    return workdir


def replicated_dataset(destination: Path, copies: int) -> Path:
    """The bundled sample plus `copies` copies of every video under new names (CSV rows included)."""
    root = copy_sample(destination)
    for csv in sorted((root / "annotations" / "manual").glob("*.corpus.csv")):
        split = csv.name.split(".")[1]
        lines = csv.read_text(encoding="utf-8").splitlines()
        added = []
        for line in lines[1:]:
            name = line.split("|", 1)[0]
            for k in range(1, copies + 1):
                shutil.copytree(
                    root / "features/fullFrame-210x260px" / split / name,
                    root / "features/fullFrame-210x260px" / split / f"{name}-copy{k}",
                )
                added.append(line.replace(name, f"{name}-copy{k}"))
        csv.write_text("\n".join(lines + added) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def one_torch_thread():
    """The engine's tests run torch on one thread: the 2 cores are shared with other processes."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def skip_without_the_graph_reference() -> None:
    """Skip the calling test module (at its import) where the engine's packages (torch, tflite), mediapipe or
    ../shared with its trace tool are absent: what the engine's graph tests compare against."""
    for module in ("torch", "tflite", "mediapipe"):
        pytest.importorskip(module)
    from phoenix_keypoints.testing import trace

    if not trace.available():
        pytest.skip(f"{SHARED} is missing", allow_module_level=True)
