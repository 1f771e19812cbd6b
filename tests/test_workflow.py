"""The whole workflow on the bundled sample, through Snakemake, with real MediaPipe."""

import json
import re
import shutil
import subprocess
from datetime import datetime

import numpy as np
import pytest

from conftest import SAMPLE, SAMPLE_FRAMES, copy_sample, run_snakemake
from phoenix_keypoints.atomic import read_pickle
from phoenix_keypoints.layout import PART_NAMES

pytestmark = pytest.mark.slow


def test_outputs_have_every_frame(sample_run):
    merged = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    assert set(merged) == set(SAMPLE_FRAMES)
    for split, n in SAMPLE_FRAMES.items():
        frames = merged[split]["keypoints"]
        assert len(frames) == n
        assert all(f["keypoints"].shape == (143, 3) and f["keypoints"].dtype == np.float32 for f in frames)
        assert {"video_id", "frame_index", "image_path", "face_present"} <= set(frames[0])
        assert (SAMPLE / frames[0]["image_path"]).is_file()
        npz = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        assert npz["keypoints"].shape == (n, 143, 3) and npz["keypoints"].dtype == np.float32
        assert npz["presence"].shape == (n, 4) and npz["presence"].dtype == bool
        assert npz["video_ids"].shape == npz["image_paths"].shape == npz["frame_index"].shape == (n,)
        assert npz["video_lengths"].sum() == n
        np.testing.assert_array_equal(npz["keypoints"], np.stack([f["keypoints"] for f in frames]))


def test_frames_in_csv_then_numeric_order(sample_run):
    npz = np.load(sample_run / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    assert list(npz["video_names"]) == ["sample_asl_soup-1", "sample_asl_soup-2", "sample_asl_webcam-1"]
    webcam = npz["image_paths"][npz["video_ids"] == "sample_asl_webcam-1"]
    assert [p.rsplit("/", 1)[1] for p in webcam[:2]] == ["images0001.png", "images0002.png"]
    assert list(npz["frame_index"][npz["video_ids"] == "sample_asl_webcam-1"]) == list(range(58))


def test_hands_found_in_asl_clips_and_not_in_phoenix(sample_run):
    left, right = PART_NAMES.index("left_hand"), PART_NAMES.index("right_hand")
    for split in ("train", "dev"):
        npz = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz")
        hands = npz["presence"][:, left] | npz["presence"][:, right]
        assert hands.mean() > 0.5, split
        assert npz["presence"][:, [0, 3]].all(), "face and pose in every frame"
    test = np.load(sample_run / "results/model_input_data/test_keypoints.npz")
    assert not test["presence"][:, [left, right]].any()
    assert not test["keypoints"][:, 68:110].any(), "missing hands are zeros"


def test_verify_passed(sample_run):
    report = json.loads((sample_run / "results/verify/verification.json").read_text())
    assert report["passed"] is True
    # verify: videos_per_split 10 takes all three of the sample's train videos.
    assert report["splits"]["train"]["videos"] == 3 and report["splits"]["train"]["max_abs_diff"] == 0.0


def test_one_copy_of_the_verified_keypoints(sample_run):
    """prepare hard-links the merged files, every later rule reads model_input_data/, and merged/ goes."""
    assert not list((sample_run / "results/merged").glob("*.npz"))
    inodes = [path.stat().st_ino for path in (sample_run / "results").rglob("*.npz")]
    for split in SAMPLE_FRAMES:
        assert inodes.count((sample_run / f"results/model_input_data/{split}_keypoints.npz").stat().st_ino) == 1
    assert "linked" in (sample_run / "results/logs/prepare.log").read_text()


def test_shard_stats(sample_run):
    stats = [json.loads(p.read_text()) for p in sorted((sample_run / "results/shards").glob("shard_*.json"))]
    assert len(stats) == 5  # num_shards 8, capped at the sample's 5 videos
    assert sum(s["frames"] for s in stats) == sum(SAMPLE_FRAMES.values())
    for s in stats:
        assert {"startup_seconds", "seconds", "cpu_seconds", "frames_per_second", "host"} <= set(s)
        assert datetime.fromisoformat(s["started_at"]) <= datetime.fromisoformat(s["finished_at"])
        if s["frames"]:
            assert s["frames_per_second"] > 0 and s["cpu_seconds"] > 0
            assert s["cuda_visible_devices"] in ("0", "1")
    log = (sample_run / "results/logs/extract/shard_0.log").read_text()
    assert "frames/s" in log and "ETA" in log


def test_concurrent_jobs_get_different_gpus(tmp_path):
    run_snakemake(
        tmp_path,
        "--cores",
        "4",
        "--resources",
        "gpu=2",
        "--until",
        "extract",
        config={"dataset_path": SAMPLE, "num_shards": 4},
    )
    stats = [json.loads(p.read_text()) for p in sorted((tmp_path / "results/shards").glob("shard_*.json"))]
    assert len(stats) == 4
    # From taking the slot (a job may wait for one) to the last frame: no two jobs on one GPU at once.
    spans = [(datetime.fromisoformat(s["gpu_slot_since"]), datetime.fromisoformat(s["finished_at"]), s) for s in stats]
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1 :] if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, "two jobs ran at the same time"
    for a, b in overlapping:
        assert a[2]["cuda_visible_devices"] != b[2]["cuda_visible_devices"]
    assert {s["cuda_visible_devices"] for s in stats} == {"0", "1"}


def test_dry_run_and_rule_graph(tmp_path):
    dry = run_snakemake(tmp_path, "-n", config={"dataset_path": SAMPLE})
    counts = dict(re.findall(r"^(\w+) +(\d+)$", dry.stdout[dry.stdout.index("Job stats:") :], re.MULTILINE))
    assert counts == {
        "index": "1",
        "shard": "1",
        "baseline": "1",
        "extract": "5",
        "merge": "1",
        "verify": "1",
        "full_pickle": "1",
        "prepare": "1",
        "qc_frames": "3",
        "qc_stats": "1",
        "summary": "1",
        "all": "1",
        "total": "18",
    }
    assert not (tmp_path / "results").exists(), "a dry run writes nothing"
    graph = run_snakemake(tmp_path, "--rulegraph", config={"dataset_path": SAMPLE}).stdout
    dot = graph[graph.index("digraph") :]
    if shutil.which("dot") is None:
        pytest.fail("graphviz 'dot' is not installed (apt-get install graphviz)")
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True).stdout
    assert "<svg" in svg and "extract" in svg and "verify" in svg


def test_bad_config_is_refused_before_any_job(tmp_path):
    result = run_snakemake(tmp_path, "-n", config={"dataset_path": SAMPLE, "num_shard": 3}, check=False)
    assert result.returncode != 0 and "num_shard" in result.stdout
    result = run_snakemake(tmp_path, "-n", config={"dataset_path": tmp_path / "nowhere"}, check=False)
    assert result.returncode != 0 and "dataset_path" in result.stdout
    result = run_snakemake(tmp_path, "-n", config={"dataset_path": SAMPLE, "num_shards": "many"}, check=False)
    assert result.returncode != 0 and "num_shards" in result.stdout


def test_an_engine_models_folder_without_the_models_is_refused_before_any_job(tmp_path):
    pytest.importorskip("torch", reason="the torch engine needs requirements-engine.txt (make test installs it)")
    config = {"dataset_path": SAMPLE, "engine": "torch", "torch_engine": f"{{models: {tmp_path}}}"}
    result = run_snakemake(tmp_path, "-n", config=config, check=False)
    assert result.returncode != 0 and "engine: torch cannot find its model pose_detection" in result.stdout
    assert f"is not in the models folder {tmp_path}" in result.stdout
    assert "Fix: set torch_engine.models" in result.stdout


def test_model_without_its_file_is_refused_with_the_place_to_put_it(tmp_path):
    override = tmp_path / "heavy.yaml"
    override.write_text(f"dataset_path: {SAMPLE}\nholistic:\n  model_complexity: 2\n")
    result = run_snakemake(tmp_path, "-n", "--configfile", str(override), check=False)
    assert result.returncode != 0
    assert "pose_landmark_heavy.tflite" in result.stdout and "mediapipe/modules/pose_landmark" in result.stdout


def test_other_cores_and_gpu_slots_rerun_nothing(sample_run):
    for args in (["--cores", "1"], ["--cores", "8", "--resources", "gpu=4"], ["--cores", "3", "--resources", "gpu=1"]):
        dry = run_snakemake(sample_run, "-n", *args, config={"dataset_path": SAMPLE})
        assert "Nothing to be done" in dry.stdout, dry.stdout[-3000:]
    # Nor do the torch engine's settings where the engine is mediapipe.
    dry = run_snakemake(sample_run, "-n", config={"dataset_path": SAMPLE, "torch_engine": "{videos_per_batch: 4}"})
    assert "Nothing to be done" in dry.stdout, dry.stdout[-3000:]


def test_moving_the_frames_indexes_again(tmp_path):
    root = copy_sample(tmp_path / "data")
    config = {"dataset_path": root}
    run_snakemake(tmp_path / "work", "--cores", "1", "--until", "shard", config=config)
    (root / "features/fullFrame-210x260px").rename(root / "features/frames")
    moved = run_snakemake(
        tmp_path / "work", "--cores", "1", "--until", "shard", config=config | {"frames_subdir": "features/frames"}
    )
    assert "rule index:" in moved.stdout and "rule shard:" in moved.stdout
    corpus = (tmp_path / "work/results/index/corpus.tsv").read_text()
    assert "features/frames/train/sample_asl_soup-1" in corpus and "fullFrame" not in corpus
