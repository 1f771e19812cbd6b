"""Fault injection with real processes: kill -9 of the whole run (with either engine), a dead worker, then resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import CLI, replicated_dataset, run_snakemake
from phoenix_keypoints.tables import read_videos
from phoenix_keypoints.testing import REPO

pytestmark = pytest.mark.slow

ARGS = ("--cores", "2", "--resources", "gpu=2")
# The torch engine with few slots, so that the resumed shard's batches hold other videos than the first run's.
TORCH = {"engine": "torch", "torch_engine": "{videos_per_batch: 4}"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """440 frames: the sample and three copies of each of its videos."""
    return replicated_dataset(tmp_path_factory.mktemp("replicated") / "PHOENIX-2014-T", copies=3)


@pytest.fixture(scope="module")
def clean_run(dataset, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("clean")
    run_snakemake(workdir, *ARGS, config={"dataset_path": dataset, "num_shards": 2})
    return workdir


@pytest.fixture(scope="module")
def clean_torch_run(dataset, tmp_path_factory):
    pytest.importorskip("torch", reason="the torch engine needs requirements-engine.txt (make test installs it)")
    workdir = tmp_path_factory.mktemp("clean_torch")
    run_snakemake(workdir, *ARGS, config={"dataset_path": dataset, "num_shards": 2} | TORCH)
    return workdir


def start_snakemake(workdir: Path, config: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *ARGS]
    command += ["--config", *(f"{k}={v}" for k, v in config.items())]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def journaled(workdir: Path) -> list[Path]:
    return [p for p in (workdir / "results/journal").glob("*/*.pkl") if not p.name.startswith(".")]


def wait_for(condition, process: subprocess.Popen, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"snakemake ended before the fault could be injected:\n{process.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("timed out waiting for the extraction to make progress")
        time.sleep(0.05)


def assert_same_outputs(workdir: Path, reference: Path):
    for split in ("train", "dev", "test"):
        ours = np.load(workdir / f"results/model_input_data/{split}_keypoints.npz")
        theirs = np.load(reference / f"results/model_input_data/{split}_keypoints.npz")
        assert ours.files == theirs.files
        for name in ours.files:
            np.testing.assert_array_equal(ours[name], theirs[name], err_msg=f"{split}:{name}")
    assert (workdir / "results/phoenix_keypoints_full.pkl").read_bytes() == (
        reference / "results/phoenix_keypoints_full.pkl"
    ).read_bytes()


def test_kill_9_then_resume_reuses_every_finished_video(dataset, clean_run, tmp_path):
    kill_9_then_resume({"dataset_path": dataset, "num_shards": 2}, clean_run, tmp_path)


@pytest.mark.engine
def test_kill_9_then_resume_with_the_torch_engine_gives_identical_outputs(dataset, clean_torch_run, tmp_path):
    """A video's keypoints depend on that video alone, so the videos computed after the resume, in other
    batches, come out bit for bit as in the uninterrupted run."""
    kill_9_then_resume({"dataset_path": dataset, "num_shards": 2} | TORCH, clean_torch_run, tmp_path)


def kill_9_then_resume(config: dict, clean: Path, tmp_path: Path) -> None:
    """kill -9 of the whole run once three videos are journaled, then `phoenix-keypoints resume`: outputs
    identical to the clean run's, every journaled video of the unfinished shards reused."""
    run = start_snakemake(tmp_path, config)
    wait_for(lambda: len(journaled(tmp_path)) >= 3, run)

    refused = subprocess.run(
        [str(CLI), "resume", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 3 and "still running" in refused.stderr

    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = {p.stem for p in journaled(tmp_path)}
    unfinished = [i for i in range(2) if not (tmp_path / f"results/shards/shard_{i}.pkl").exists()]
    assert unfinished, "the kill came after the extraction had finished"

    locked = run_snakemake(tmp_path, *ARGS, config=config, check=False)
    assert locked.returncode != 0 and "LockException" in locked.stdout

    resumed = subprocess.run(
        [
            str(CLI),
            "resume",
            "-s",
            str(REPO / "Snakefile"),
            "-d",
            str(tmp_path),
            *ARGS,
            "--config",
            *(f"{k}={v}" for k, v in config.items()),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stdout[-3000:]
    assert_same_outputs(tmp_path, clean)

    shard_of = {v.video_id: v.shard for v in read_videos(tmp_path / "results/index/videos.tsv")}
    for shard in unfinished:
        stats = json.loads((tmp_path / f"results/shards/shard_{shard}.json").read_text())
        assert stats["reused_videos"] == sum(shard_of[name] == shard for name in done_before)


def worker_pids(session: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            in_session = entry.name.isdigit() and os.getpgid(int(entry.name)) == session
            if in_session and b"spawn_main" in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
    return pids


def test_a_dead_worker_fails_the_job_naming_shard_and_video_then_rerun_resumes(dataset, clean_run, tmp_path):
    config = {"dataset_path": dataset, "num_shards": 2}
    run = start_snakemake(tmp_path, config)
    wait_for(lambda: journaled(tmp_path) and worker_pids(run.pid), run)
    victim = worker_pids(run.pid)[0]
    os.kill(victim, signal.SIGKILL)
    run.communicate(timeout=300)
    assert run.returncode != 0
    failed = [i for i in range(2) if "a worker process died" in read_log(tmp_path, i)]
    assert len(failed) == 1
    log = read_log(tmp_path, failed[0])
    assert f"shard {failed[0]}: a worker process died" in log and "rerun the workflow to resume" in log
    assert any(f"while extracting {split}/" in log for split in ("train", "dev", "test"))
    shard_of = {v.video_id: v.shard for v in read_videos(tmp_path / "results/index/videos.tsv")}
    journaled_before = sum(shard_of[p.stem] == failed[0] for p in journaled(tmp_path))

    run_snakemake(tmp_path, *ARGS, config=config)
    assert_same_outputs(tmp_path, clean_run)
    stats = json.loads((tmp_path / f"results/shards/shard_{failed[0]}.json").read_text())
    assert stats["reused_videos"] == journaled_before


def read_log(workdir: Path, shard: int) -> str:
    """A shard's extraction log; empty for a shard that had not started when the run stopped (the baseline
    runs beside the extraction jobs and may hold the other core)."""
    path = workdir / f"results/logs/extract/shard_{shard}.log"
    return path.read_text() if path.is_file() else ""
