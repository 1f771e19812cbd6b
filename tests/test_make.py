"""The commands the README and the Makefile give, run as written in a copy of the project, and the settings a
results folder keeps: follow-up commands work on the run's dataset, never on another one silently."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import SAMPLE, copy_sample, run_snakemake
from phoenix_keypoints.testing import REPO

pytestmark = pytest.mark.slow


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if (REPO / name).is_file()]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The project as a user has it: its files (times kept, so make sees its set-up as done), its .venv,
    ../shared beside it, and a writable dataset of its own at data/."""
    root = tmp_path_factory.mktemp("checkout")
    project = root / "project"
    for name in tracked_files():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, project / name)
    (project / ".venv").symlink_to(REPO / ".venv")
    # The set-up must be done already: make would otherwise install this copy into the shared .venv.
    assert subprocess.run(["make", "-q", ".venv/.installed"], cwd=project).returncode == 0, "run make test"
    (root / "shared").symlink_to(REPO.parent / "shared")
    copy_sample(root / "data")
    return project


def shell(project, command: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """A command line as a user types it after `source .venv/bin/activate`."""
    env = os.environ | {"PATH": f"{project / '.venv/bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def made_run(project):
    """make run on another dataset than the config's (the Makefile's DATASET)."""
    result = shell(project, "make run CORES=2 GPUS=2 DATASET=../data")
    assert result.returncode == 0, result.stdout[-4000:]
    (project / "make_run.out").write_text(result.stdout)
    return project


def test_make_run_records_its_dataset(made_run):
    record = (made_run / "results/settings.yaml").read_text()
    assert f"dataset_root: {made_run.parent / 'data'}" in record
    assert (made_run / "results/summary.txt").read_text() in (made_run / "make_run.out").read_text(), (
        "the run ends with its summary"
    )
    assert (made_run / "report.html").is_file() and (made_run / "results/model_input_data/dev_keypoints.npz").is_file()


def test_make_pose_report_and_resume_work_on_the_runs_dataset(made_run):
    pose = shell(made_run, "make pose CORES=2 GPUS=2")
    assert pose.returncode == 0, pose.stdout[-3000:]
    assert "1 of 1 steps (100%) done" in pose.stdout, "only export_pose runs: nothing is redone on another dataset"
    assert len(list((made_run / "results/pose").rglob("*.pose"))) == 5
    report = shell(made_run, "make report")
    assert report.returncode == 0, report.stdout[-3000:]
    html = (made_run / "report.html").read_text()
    assert f"Keypoints of {made_run.parent / 'data'}" in html and "phoenix-mini" not in html
    resume = shell(made_run, "make resume CORES=2 GPUS=2")
    assert resume.returncode == 0 and "Nothing to be done" in resume.stdout, resume.stdout[-3000:]


def test_readme_plan_and_graph_commands(made_run):
    dry = shell(made_run, "snakemake -n")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout, dry.stdout[-3000:]
    graph = shell(made_run, "snakemake --rulegraph | dot -Tsvg > rulegraph.svg")
    assert graph.returncode == 0, graph.stdout
    assert "<svg" in (made_run / "rulegraph.svg").read_text()


def test_another_dataset_in_the_same_results_is_refused(made_run):
    other = shell(made_run, "snakemake -n --config dataset_path=../shared/data/phoenix-mini/PHOENIX-2014-T")
    assert other.returncode != 0 and "one results folder holds one dataset" in other.stdout
    assert "snakemake --directory OTHER" in other.stdout


def test_nested_settings_from_the_command_line(made_run):
    changed = shell(made_run, "snakemake -n --cores 2 --config holistic='{min_detection_confidence: 0.6}'")
    assert changed.returncode == 0, changed.stdout[-3000:]
    assert "Params have changed since last execution" in changed.stdout and "extract" in changed.stdout
    assert "'min_detection_confidence': 0.6" in changed.stdout


def test_two_runs_started_at_once_in_one_folder(tmp_path):
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--cores",
        "2",
        "--config",
        f"dataset_path={SAMPLE}",
        "num_shards=2",
    ]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    (ok, _), (refused, message) = sorted((run.returncode, out) for run, out in zip(runs, outputs, strict=True))
    assert ok == 0 and refused != 0, outputs
    # Refused before it started a job (Snakemake's own lock, or ours when both passed that at once).
    assert "lock" in message.lower() and "rule extract:" not in message, message[-3000:]
    dry = run_snakemake(tmp_path, "-n", config={"dataset_path": SAMPLE, "num_shards": 2})
    assert "Nothing to be done" in dry.stdout
