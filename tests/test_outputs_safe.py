"""Outputs are all-or-nothing, stale locks block nothing, and tampered shards are caught."""

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import SAMPLE, run_snakemake
from phoenix_keypoints.atomic import link_or_copy, read_pickle, write_json, write_pickle
from phoenix_keypoints.gpu_slots import acquire_gpu_slot

FILE_SIZE_LIMITED_WRITE = """
import resource, signal, sys
from phoenix_keypoints.atomic import write_pickle
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
write_pickle({path!r}, bytes(1_000_000))
"""


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "result.pkl"
    write_pickle(path, {"good": 1})
    code = FILE_SIZE_LIMITED_WRITE.format(path=str(path))
    failed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert failed.returncode != 0 and "File too large" in failed.stderr
    assert read_pickle(path) == {"good": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.pkl"], "no temp file is left behind"

    class Unpicklable:
        def __reduce__(self):
            raise pickle.PicklingError("cannot pickle this")

    with pytest.raises(pickle.PicklingError):
        write_pickle(path, [bytes(100_000), Unpicklable()])
    with pytest.raises(TypeError):
        write_json(tmp_path / "report.json", {"value": object()})
    assert read_pickle(path) == {"good": 1} and [p.name for p in tmp_path.iterdir()] == ["result.pkl"]


def test_verified_files_are_linked_and_copied_only_across_file_systems(tmp_path):
    """prepare's one copy: a hard link beside the source; a copy where no link can be made (another file system)."""
    source = tmp_path / "merged" / "train_keypoints.npz"
    source.parent.mkdir()
    source.write_bytes(b"verified" * 1000)
    linked = tmp_path / "model_input_data" / "train_keypoints.npz"
    assert link_or_copy(source, linked) == "linked"
    assert os.path.samefile(source, linked) and source.stat().st_nlink == 2
    assert link_or_copy(source, linked) == "linked" and source.stat().st_nlink == 2, "a rerun replaces the link"
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system here (/dev/shm)")
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    try:
        assert link_or_copy(source, elsewhere / "train_keypoints.npz") == "copied"
        assert (elsewhere / "train_keypoints.npz").read_bytes() == source.read_bytes()
        assert [p.name for p in elsewhere.iterdir()] == ["train_keypoints.npz"], "no temp file is left behind"
    finally:
        shutil.rmtree(elsewhere)


def test_a_stale_lock_file_does_not_block_its_slot(tmp_path):
    (tmp_path / "gpu0.lock").write_text("99999\n")  # left by a job that died long ago
    environ = {}
    with acquire_gpu_slot(1, tmp_path, poll_seconds=0.01, environ=environ) as slot:
        assert slot.cuda_visible_devices == "0"


@pytest.fixture
def finished_run(sample_run, tmp_path):
    """A private copy of a finished run, to tamper with."""
    workdir = tmp_path / "run"
    shutil.copytree(sample_run, workdir, symlinks=True)
    return workdir


def shard_holding(workdir, video_id):
    for path in sorted((workdir / "results/shards").glob("shard_*.pkl")):
        shard = read_pickle(path)
        for record in shard["videos"]:
            if record["video_id"] == video_id:
                return path, shard, record
    raise AssertionError(video_id)


def rerun(workdir):
    return run_snakemake(workdir, "--cores", "2", config={"dataset_path": SAMPLE}, check=False)


@pytest.mark.slow
def test_verify_catches_a_changed_value(finished_run):
    path, shard, record = shard_holding(finished_run, "sample_asl_clip-1")
    record["keypoints"][4, 100, 0] += 0.25
    write_pickle(path, shard)
    result = rerun(finished_run)
    assert result.returncode != 0
    assert "differs from the single-process baseline" in result.stdout
    assert "sample_asl_clip-1: 0 presence mismatches, max |diff| 0.25" in result.stdout
    assert not (finished_run / "results/verify/verification.json").exists()


@pytest.mark.slow
def test_merge_catches_a_dropped_frame(finished_run):
    path, shard, record = shard_holding(finished_run, "sample_asl_webcam-1")
    record["keypoints"], record["presence"] = record["keypoints"][:-1], record["presence"][:-1]
    record["image_paths"] = record["image_paths"][:-1]
    write_pickle(path, shard)
    result = rerun(finished_run)
    assert result.returncode != 0
    assert "train/sample_asl_webcam-1" in result.stdout and "57 keypoint rows" in result.stdout


@pytest.mark.slow
def test_merge_catches_swapped_videos(finished_run):
    first_path, first_shard, first = shard_holding(finished_run, "sample_asl_soup-1")
    first["video_id"] = "sample_asl_soup-2"
    write_pickle(first_path, first_shard)
    second_path, second_shard, second = shard_holding(finished_run, "sample_asl_soup-2")
    assert second_path != first_path
    second["video_id"] = "sample_asl_soup-1"
    write_pickle(second_path, second_shard)
    result = rerun(finished_run)
    assert result.returncode != 0
    assert "train/sample_asl_soup-1" in result.stdout and "the index has 20 frames" in result.stdout
