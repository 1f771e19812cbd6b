"""What a new user met (issue 10), through the real workflow: changed frames, datasets that end up empty,
folders named like frames, more shards than videos, the run's summary, and what the NPZ files keep."""

import json
import re
import shutil

import cv2
import numpy as np
import pytest

from conftest import SAMPLE_FRAMES, copy_sample, run_snakemake

pytestmark = pytest.mark.slow

FRAMES = "features/fullFrame-210x260px"
CLIP = f"{FRAMES}/dev/sample_asl_clip-1"


def shard_stats(workdir) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((workdir / "results/shards").glob("shard_*.json"))]


def test_a_changed_frame_reruns_what_depends_on_it(tmp_path):
    root = copy_sample(tmp_path / "data")
    work, config = tmp_path / "work", {"dataset_path": root, "num_shards": 2}
    run_snakemake(work, "--cores", "2", config=config)
    before = np.load(work / "results/model_input_data/dev_keypoints.npz")["keypoints"]
    frame = root / CLIP / "images0005.png"
    cv2.imwrite(str(frame), cv2.flip(cv2.imread(str(frame)), 1))  # replaced in place
    rerun = run_snakemake(work, "--cores", "2", config=config)
    assert "rule index:" in rerun.stdout
    assert sum(s["reused_videos"] for s in shard_stats(work)) == 4, "the journal recomputed only the changed video"
    after = np.load(work / "results/model_input_data/dev_keypoints.npz")["keypoints"]
    assert not np.array_equal(before[4], after[4])
    assert "Nothing to be done" in run_snakemake(work, "-n", config=config).stdout


def test_a_repaired_video_comes_back(tmp_path):
    root = copy_sample(tmp_path / "data")
    work, config = tmp_path / "work", {"dataset_path": root, "num_shards": 2, "on_bad_video": "skip"}
    soup = root / f"{FRAMES}/train/sample_asl_soup-1"
    (soup / "notes.txt").write_text("x")
    run_snakemake(work, "--cores", "2", config=config)
    assert "sample_asl_soup-1" in (work / "results/index/skipped.tsv").read_text()
    (soup / "notes.txt").unlink()  # the advice: repair it and run again
    run_snakemake(work, "--cores", "2", config=config)
    train = np.load(work / "results/model_input_data/train_keypoints.npz")
    assert train["video_names"].tolist()[0] == "sample_asl_soup-1" and len(train["keypoints"]) == 99


def test_a_split_whose_videos_are_all_skipped_fails(tmp_path):
    root = copy_sample(tmp_path / "data")
    for frame in (root / FRAMES).rglob("*.png"):
        cv2.imwrite(str(frame.with_suffix(".jpg")), cv2.imread(str(frame)))
        frame.unlink()
    result = run_snakemake(
        tmp_path / "work", "--cores", "2", config={"dataset_path": root, "on_bad_video": "skip"}, check=False
    )
    assert result.returncode != 0
    assert "no usable video is left in split 'train' (its CSV lists 3), split 'dev' (its CSV lists 1)" in result.stdout
    assert "frames are .jpg files" in result.stdout and "mogrify -format png" in result.stdout
    assert not (tmp_path / "work/results/model_input_data").exists()


def test_an_empty_split_gives_an_empty_npz(tmp_path):
    root = copy_sample(tmp_path / "data")
    csv = root / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv"
    csv.write_text(csv.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    shutil.rmtree(root / f"{FRAMES}/dev")
    work = tmp_path / "work"
    run = run_snakemake(work, "--cores", "2", config={"dataset_path": root, "num_shards": 2})
    dev = np.load(work / "results/model_input_data/dev_keypoints.npz", allow_pickle=False)
    assert dev["keypoints"].shape == (0, 143, 3) and dev["video_names"].shape == (0,)
    # The same arrays as a split with videos, the corpus columns included (empty).
    train = np.load(work / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    assert sorted(dev.files) == sorted(train.files) and dev["video_orth"].shape == (0,)
    columns = ["speaker", "orth", "translation"]
    assert dev["annotation_columns"].tolist() == train["annotation_columns"].tolist() == columns
    summary = (work / "results/summary.txt").read_text()
    assert re.search(r"^ *dev +0 +0 +0 +0$", summary, re.MULTILINE), summary
    assert summary in run.stdout, "the run ends with its summary"


def test_a_folder_named_like_a_frame_is_a_bad_video(tmp_path):
    root = copy_sample(tmp_path / "data")
    webcam = root / f"{FRAMES}/train/sample_asl_webcam-1"
    (webcam / "images0005.png").unlink()
    (webcam / "images0005.png").mkdir()
    config = {"dataset_path": root, "num_shards": 2, "on_bad_video": "skip", "on_bad_frame": "mark"}
    run_snakemake(tmp_path / "skip", "--cores", "2", config=config)
    skipped = (tmp_path / "skip/results/index/skipped.tsv").read_text().splitlines()
    assert len(skipped) == 2 and "sample_asl_webcam-1" in skipped[1]
    assert "'images0005.png' is a folder, not a frame" in skipped[1]
    failed = run_snakemake(tmp_path / "fail", "--cores", "2", config={"dataset_path": root}, check=False)
    assert failed.returncode != 0 and "'images0005.png' is a folder, not a frame" in failed.stdout
    assert "IsADirectoryError" not in failed.stdout


def test_more_shards_than_videos(tmp_path):
    dry = run_snakemake(tmp_path, "-n", config={"dataset_path": copy_sample(tmp_path / "data"), "num_shards": 1000})
    assert "num_shards 1000 is more than the 5 videos the CSVs list: 5 shards instead" in dry.stdout
    assert "extract            5" in dry.stdout


def test_npz_keeps_the_corpus_columns_and_the_settings(sample_run):
    train = np.load(sample_run / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    assert train["video_names"].tolist() == ["sample_asl_soup-1", "sample_asl_soup-2", "sample_asl_webcam-1"]
    assert train["video_speaker"].tolist()[0] == "SignerASL1" and train["video_orth"].tolist()[0] == "SUPPE"
    assert len(train["video_translation"]) == 3 and train["video_translation"][0]
    assert json.loads(str(train["settings"]))["model_complexity"] == 1
    assert len(train["keypoints"]) == SAMPLE_FRAMES["train"]
