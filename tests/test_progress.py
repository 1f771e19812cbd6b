"""`phoenix-keypoints progress` on a finished run, on a run caught half-way or stopped, and on no run at all."""

import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import run_cli


@pytest.mark.slow
def test_finished_run(sample_run):
    result = run_cli("progress", cwd=sample_run)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "train: 3/3 videos, 99/99 frames" in lines[1] and lines[1].endswith("ETA done")
    assert "dev: 1/1 videos, 9/9 frames" in lines[2] and "test: 1/1 videos, 2/2 frames" in lines[3]
    assert lines[4].startswith("all: 5/5 videos, 110/110 frames,") and lines[4].endswith("ETA done")
    assert re.search(r"^5/5 shards with videos finished: 110 frames extracted in .* frames/s", result.stdout, re.M)


@pytest.mark.slow
def test_run_caught_half_way(sample_run, tmp_path):
    """Two train videos finished 7 s apart, one long before: the rate comes from the recent two."""
    results = tmp_path / "results"
    (results / "index").mkdir(parents=True)
    shutil.copy(sample_run / "results/index/videos.tsv", results / "index")
    now = time.time()
    finished_at = {"sample_asl_webcam-1": now - 7200, "sample_asl_soup-1": now - 17, "sample_asl_soup-2": now - 10}
    for video, finished in finished_at.items():
        entry = results / "journal/train" / f"{video}.pkl"
        entry.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sample_run / "results/journal/train" / f"{video}.pkl", entry)
        os.utime(entry, (finished, finished))
    # A process that looks like Snakemake working in the folder: the run goes on.
    snakemake = subprocess.Popen(["bash", "-c", "exec -a snakemake sleep 60"], cwd=tmp_path)
    try:
        time.sleep(0.2)
        result = run_cli("progress", results)
    finally:
        snakemake.kill()
        snakemake.wait()
    assert result.returncode == 0, result.stderr
    # 21 frames of soup-2 in the 7 s since soup-1 finished: 3 frames/s; 11 frames left -> 4 s.
    assert "train: 3/3 videos, 99/99 frames, 3.0 frames/s, ETA done" in result.stdout
    assert "dev: 0/1 videos, 0/9 frames, 0.0 frames/s, ETA ?" in result.stdout
    assert "all: 3/5 videos, 99/110 frames, 3.0 frames/s, ETA 4s" in result.stdout
    assert re.search(r"newest video finished 1\ds ago", result.stdout)
    assert "0/5 shards with videos finished" in result.stdout
    assert "stopped" not in result.stdout

    stopped = run_cli("progress", results)
    assert "all: 3/5 videos, 99/110 frames, 3.0 frames/s, ETA none, the run stopped" in stopped.stdout
    assert "dev: 0/1 videos, 0/9 frames, 0.0 frames/s, ETA none, the run stopped" in stopped.stdout
    assert f"the run stopped: no Snakemake works in {tmp_path.resolve()}. `make resume`" in stopped.stdout


def test_no_run_yet(tmp_path):
    missing = run_cli("progress", tmp_path / "results")
    assert missing.returncode == 1 and "no results folder at" in missing.stderr and "make run" in missing.stderr
    (tmp_path / "results").mkdir()
    empty = run_cli("progress", tmp_path / "results")
    assert empty.returncode == 1 and "has no index/videos.tsv yet" in empty.stderr


@pytest.mark.slow
def test_extraction_logs_show_the_same_figures(sample_run):
    logs = "".join(path.read_text() for path in (sample_run / "results/logs/extract").glob("shard_*.log"))
    finished = re.findall(r"shard \d+: (\d+)/(\d+) videos, (\d+)/(\d+) frames, [\d.]+ frames/s, ETA done", logs)
    assert finished and all(done == total for done, total, *_ in finished)
    assert sum(int(frames) for *_, frames, _ in finished) == 110
