"""The torch engine inside the workflow (engine: torch), on the CPU: the sample end to end, checked by verify
against MediaPipe and its noise floor, and the settings it cannot run refused before any job."""

import json
import shutil

import numpy as np
import pytest
import yaml

from conftest import SAMPLE, SAMPLE_FRAMES, run_cli, run_snakemake
from phoenix_keypoints.testing import REPO

pytest.importorskip("torch", reason="the torch engine needs requirements-engine.txt (make test installs it)")
pytestmark = [pytest.mark.slow, pytest.mark.engine]
FLOOR_SEEDS = yaml.safe_load((REPO / "config/config.yaml").read_text())["verify"]["floor_seeds"]


@pytest.mark.parametrize(
    ("setting", "value"),
    [("refine_face_landmarks", "true"), ("model_complexity", "2"), ("static_image_mode", "true")],
)
def test_settings_the_engine_cannot_run_are_refused(tmp_path, setting, value):
    result = run_snakemake(
        tmp_path,
        "-n",
        config={"dataset_path": SAMPLE, "engine": "torch", "holistic": f"{{{setting}: {value}}}"},
        check=False,
    )
    assert result.returncode != 0
    assert "engine: torch runs Holistic with" in result.stdout and "Fix: use engine: mediapipe" in result.stdout


@pytest.fixture(scope="module")
def engine_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("engine_run")
    run = run_snakemake(
        workdir, "--cores", "2", "--resources", "gpu=2", config={"dataset_path": SAMPLE, "engine": "torch"}
    )
    return workdir, run.stdout


def test_the_sample_runs_with_the_engine(engine_run):
    workdir, _ = engine_run
    stats = [json.loads(p.read_text()) for p in (workdir / "results/shards").glob("shard_*.json")]
    assert {s["engine"] for s in stats} == {"torch"} and sum(s["frames"] for s in stats) == 110
    for split, frames in SAMPLE_FRAMES.items():
        npz = np.load(workdir / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        assert npz["keypoints"].shape == (frames, 143, 3)
        assert json.loads(str(npz["settings"]))["engine"] == "torch"
    train = np.load(workdir / "results/model_input_data/train_keypoints.npz")
    assert train["presence"][:, [0, 3]].all(), "face and pose in every frame of the ASL clips"


def test_verify_judges_the_engine_against_mediapipes_own_noise(engine_run):
    workdir, log = engine_run
    report = json.loads((workdir / "results/verify/verification.json").read_text())
    assert report["passed"] is True
    floor = report["noise_floor"]
    assert floor["seeds"] == FLOOR_SEEDS and set(floor["parts"]) == {"face", "left_hand", "right_hand", "pose"}
    for part, entry in floor["parts"].items():
        assert entry["passed"] and len(entry["floor"]["seeds"]) == FLOOR_SEEDS, part
        engine, limit = entry["engine"], entry["limit"]
        assert engine["frames_compared"] > 0 and engine["mean_px"] <= limit["mean_px"], part
        assert engine["presence_agreement"] >= limit["presence_agreement"], part
    assert floor["parts"]["face"]["engine"]["mean_px"] < 0.5, "the face within a fraction of a pixel of MediaPipe"
    for k in range(FLOOR_SEEDS):
        assert (workdir / f"results/verify/floor/seed{k}/dev_keypoints.npz").is_file()
        assert (workdir / f"results/logs/noise_floor/seed{k}.log").is_file(), "one job per seed"
    summary = (workdir / "results/summary.txt").read_text()
    assert f"the torch engine is within MediaPipe's own noise ({FLOOR_SEEDS} seeds" in summary
    assert "right_hand" in summary and summary in log, "the per-part table ends the run"


def test_the_verify_command_judges_the_engine_run_as_the_rule_does(engine_run, tmp_path):
    workdir, _ = engine_run
    results = workdir / "results"
    verify = run_cli(
        "verify",
        "--single",
        results / "verify/baseline",
        "--distributed",
        results / "model_input_data",
        "--floor",
        *sorted((results / "verify/floor").glob("seed*")),
        "--report",
        tmp_path / "verification.json",
    )
    assert verify.returncode == 0, verify.stderr[-3000:]
    assert (tmp_path / "verification.json").read_bytes() == (results / "verify/verification.json").read_bytes()


def test_changing_num_shards_reruns_no_baseline(engine_run):
    workdir, _ = engine_run
    dry = run_snakemake(workdir, "-n", "--cores", "2", config={"engine": "torch", "num_shards": 2})
    assert "rule shard:" in dry.stdout and "rule extract:" in dry.stdout, dry.stdout[-3000:]
    assert "rule baseline:" not in dry.stdout and "rule noise_floor:" not in dry.stdout, dry.stdout[-3000:]


def test_switching_back_to_mediapipe_removes_the_torch_runs_floor(engine_run, tmp_path):
    """The floor's seed folders belong to engine torch: after a run with engine mediapipe none is left to be
    taken for a current one."""
    workdir = tmp_path / "run"
    shutil.copytree(engine_run[0], workdir, symlinks=True)
    run_snakemake(workdir, "verify", "--cores", "2", "--resources", "gpu=2", config={"engine": "mediapipe"})
    report = json.loads((workdir / "results/verify/verification.json").read_text())
    assert report["passed"] and "noise_floor" not in report
    assert not list((workdir / "results/verify/floor").glob("seed*")), "no floor of the torch run left behind"
    assert "a noise floor run that this verification does not use" in (workdir / "results/logs/verify.log").read_text()


def test_the_confidences_from_the_config(tmp_path):
    """min_detection_confidence and min_tracking_confidence reach the engine: verify (against MediaPipe with the
    same settings, and its noise floor) passes on the sample's dev and test videos."""
    config = {
        "dataset_path": SAMPLE,
        "engine": "torch",
        "splits": "[dev,test]",
        "num_shards": 2,
        "holistic": "{min_detection_confidence: 0.7, min_tracking_confidence: 0.8}",
    }
    run_snakemake(tmp_path, "prepare", "--cores", "2", "--resources", "gpu=2", config=config)
    report = json.loads((tmp_path / "results/verify/verification.json").read_text())
    assert report["passed"] and set(report["noise_floor"]["parts"]) == {"face", "left_hand", "right_hand", "pose"}
    settings = json.loads(str(np.load(tmp_path / "results/model_input_data/dev_keypoints.npz")["settings"]))
    assert (settings["min_detection_confidence"], settings["min_tracking_confidence"]) == (0.7, 0.8)


def test_the_keypoints_do_not_depend_on_the_sharding(tmp_path):
    """A video's keypoints depend on that video alone: the sample in one shard (all its videos in one batch of
    16) and in three (other batch-mates, other slots, two torch threads per job) merges to identical arrays."""
    merged = {}
    for shards in (1, 3):
        workdir = tmp_path / f"shards{shards}"
        run_snakemake(
            workdir,
            "merge",
            "--cores",
            "2",
            "--resources",
            "gpu=2",
            config={"dataset_path": SAMPLE, "engine": "torch", "num_shards": shards, "threads_per_job": min(shards, 2)},
        )
        merged[shards] = {
            split: dict(np.load(workdir / f"results/merged/{split}_keypoints.npz", allow_pickle=False))
            for split in SAMPLE_FRAMES
        }
    for split in SAMPLE_FRAMES:
        one, three = merged[1][split], merged[3][split]
        assert one.keys() == three.keys()
        for name in one:
            np.testing.assert_array_equal(one[name], three[name], err_msg=f"{split}:{name}")
