"""The `phoenix-keypoints` command, run as a user would: the same stage functions as the rules, the same files."""

import json
import pickle
import shutil

import numpy as np
import pytest

from conftest import SAMPLE, run_cli, run_snakemake
from phoenix_keypoints.atomic import read_pickle

pytestmark = pytest.mark.slow

COMMANDS = {
    "extract": ["--dataset_path", "--output_path", "--max_samples_per_split"],
    "merge": ["--input_files", "--output_path", "--output_dir", "--index", "--stats"],
    "verify": ["--single", "--distributed", "--atol"],
    "prepare": ["--keypoints_file", "--output_dir"],
    "export-pose": ["--keypoints_file", "--output_dir", "--fps"],
    "progress": ["results"],
    "manifest": ["root", "--output", "--split"],
    "resume": ["--unlock"],
}
SPLITS = ("train", "dev", "test")


def same_files(ours, theirs) -> None:
    """Byte for byte, file by file (relative names equal; Snakemake's hidden .snakemake_timestamp aside)."""

    def files(folder):
        return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))

    mine = files(ours)
    assert mine == files(theirs)
    for name in mine:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


@pytest.mark.parametrize("command", COMMANDS)
def test_help_and_bad_arguments(command, tmp_path):
    help_text = run_cli(command, "--help")
    assert help_text.returncode == 0 and all(flag in help_text.stdout for flag in COMMANDS[command])
    if command == "resume":  # its arguments are Snakemake's
        return
    wrong = run_cli(command, "--no_such_flag", cwd=tmp_path)
    assert wrong.returncode == 2 and f"phoenix-keypoints {command}: error:" in wrong.stderr
    assert "usage:" in wrong.stderr


def test_overview_lists_every_command():
    overview = run_cli("--help")
    assert overview.returncode == 0 and all(command in overview.stdout for command in COMMANDS)
    assert run_cli().returncode == 2


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in ("progress", "resume")])
def test_missing_arguments(command):
    result = run_cli(command)
    assert result.returncode == 2 and "the following arguments are required" in result.stderr


def test_single_process_extractor_agrees_with_the_workflow(sample_run, tmp_path):
    output = tmp_path / "single.pkl"
    result = run_cli("extract", "--dataset_path", SAMPLE, "--output_path", output, "--max_samples_per_split", 1)
    assert result.returncode == 0, result.stderr[-3000:]
    single = read_pickle(output)
    assert [v["video_id"] for v in single["train"]["videos"]] == ["sample_asl_soup-1"]
    workflow = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    assert single["train"]["settings"] == workflow["train"]["settings"]
    assert list(single["train"]["keypoints"][0]) == list(workflow["train"]["keypoints"][0])
    verified = sample_run / "results/model_input_data"
    verify = run_cli("verify", "--single", output, "--distributed", verified, "--report", tmp_path / "r.json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report == json.loads(verify.stdout) and report["passed"]
    assert {split: entry["frames"] for split, entry in report["splits"].items()} == {"train": 20, "dev": 9, "test": 2}


def test_extractor_checks_its_inputs_and_output_first(tmp_path):
    result = run_cli("extract", "--dataset_path", tmp_path, "--output_path", tmp_path / "out.pkl")
    assert (
        result.returncode == 1 and "has no annotations/manual/ folder" in result.stderr and "--video" in result.stderr
    )
    assert not (tmp_path / "out.pkl").exists()
    nowhere = run_cli("extract", "--dataset_path", SAMPLE, "--output_path", tmp_path / "no/such/folder/out.pkl")
    assert nowhere.returncode == 1 and "does not exist" in nowhere.stderr and "extract:" not in nowhere.stderr


def test_verify_tool_gives_the_rules_report_and_finds_a_difference(sample_run, tmp_path):
    verify = run_cli(
        "verify",
        "--single",
        sample_run / "results/verify/baseline",
        "--distributed",
        sample_run / "results/model_input_data",
        "--report",
        tmp_path / "verification.json",
    )
    assert verify.returncode == 0, verify.stderr
    assert (tmp_path / "verification.json").read_bytes() == (
        sample_run / "results/verify/verification.json"
    ).read_bytes()

    merged = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    merged["dev"]["keypoints"][3]["keypoints"] = merged["dev"]["keypoints"][3]["keypoints"] + 0.01
    changed = tmp_path / "changed.pkl"
    changed.write_bytes(pickle.dumps(merged))
    result = run_cli("verify", "--single", sample_run / "results/verify/baseline", "--distributed", changed)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["passed"]
    assert report["splits"]["dev"]["problems"] == ["sample_asl_clip-1: 0 presence mismatches, max |diff| 0.01"]


def test_merge_tool_writes_the_rules_files(sample_run, tmp_path):
    shards = sorted((sample_run / "results/shards").glob("shard_*.pkl"))
    stats = [shard.with_suffix(".json") for shard in shards]
    result = run_cli(
        "merge",
        "--input_files",
        *shards,
        "--index",
        sample_run / "results/index/videos.tsv",
        "--stats",
        *stats,
        "--output_path",
        tmp_path / "merged.pkl",
        "--output_dir",
        tmp_path / "merged",
    )
    assert result.returncode == 0, result.stderr
    same_files(tmp_path / "merged", sample_run / "results/model_input_data")
    assert (tmp_path / "merged.pkl").read_bytes() == (sample_run / "results/phoenix_keypoints_full.pkl").read_bytes()


def test_merge_tool_refuses_duplicates_and_non_shards(sample_run, tmp_path):
    shard = next(p for p in sorted((sample_run / "results/shards").glob("shard_*.pkl")) if read_pickle(p)["videos"])
    twice = run_cli("merge", "--input_files", shard, shard, "--output_path", tmp_path / "m.pkl")
    assert twice.returncode == 1 and "appears twice" in twice.stderr
    merged = sample_run / "results/phoenix_keypoints_full.pkl"
    wrong = run_cli("merge", "--input_files", merged, "--output_path", tmp_path / "m.pkl")
    assert wrong.returncode == 1 and "is not a shard file" in wrong.stderr
    index = sample_run / "results/index/videos.tsv"
    no_stats = run_cli("merge", "--input_files", shard, "--index", index, "--output_path", tmp_path / "m.pkl")
    assert no_stats.returncode == 1 and "needs the shards' stats" in no_stats.stderr
    missing = tmp_path / "shard_0.json"
    unreadable = run_cli(
        "merge", "--input_files", shard, "--index", index, "--stats", missing, "--output_path", tmp_path / "m.pkl"
    )
    assert unreadable.returncode != 0 and str(missing) in unreadable.stderr
    assert not (tmp_path / "m.pkl").exists()


@pytest.mark.parametrize("source", ["results/model_input_data", "results/phoenix_keypoints_full.pkl"])
def test_prepare_tool_writes_the_rules_npz(sample_run, tmp_path, source):
    result = run_cli("prepare", "--keypoints_file", sample_run / source, "--output_dir", tmp_path / "npz")
    assert result.returncode == 0, result.stderr
    same_files(tmp_path / "npz", sample_run / "results/model_input_data")
    missing = run_cli("prepare", "--keypoints_file", tmp_path / "nope.pkl", "--output_dir", tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_npz_files_load_without_pickle_and_keep_the_seed_pickle(sample_run):
    merged = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    for split in SPLITS:
        npz = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        frames = merged[split]["keypoints"]
        np.testing.assert_array_equal(npz["image_paths"], [f["image_path"] for f in frames])
        np.testing.assert_array_equal(npz["frame_index"], [f["frame_index"] for f in frames])
        np.testing.assert_array_equal(npz["presence"][:, 1], [f["left_hand_present"] for f in frames])
        assert json.loads(str(npz["settings"])) == merged[split]["settings"]
        assert [v["width"] for v in merged[split]["videos"]] == npz["video_widths"].tolist()


def test_pose_export_tool_writes_the_rules_files(sample_run, tmp_path):
    run = tmp_path / "run"  # a copy: test_pose_export.py runs the rule in the sample run itself
    shutil.copytree(sample_run, run, symlinks=True)
    run_snakemake(run, "export_pose", "--cores", "2", config={"dataset_path": SAMPLE})
    result = run_cli(
        "export-pose", "--keypoints_file", sample_run / "results/model_input_data", "--output_dir", tmp_path / "pose"
    )
    assert result.returncode == 0, result.stderr
    same_files(tmp_path / "pose", run / "results/pose")


def test_keypoints_an_older_version_wrote_are_refused_with_the_fix(sample_run, tmp_path):
    """An NPZ without an array this version writes (video_fps came with video files) is named with the fix,
    not a KeyError."""
    old = tmp_path / "old"
    shutil.copytree(sample_run / "results/model_input_data", old)
    with np.load(old / "train_keypoints.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files if key != "video_fps"}
    np.savez(old / "train_keypoints.npz", **arrays)
    result = run_cli("export-pose", "--keypoints_file", old, "--output_dir", tmp_path / "pose")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{old / 'train_keypoints.npz'} has no video_fps: an older version of the workflow wrote it" in result.stderr
    assert "Fix: rerun the workflow" in result.stderr
    prepared = run_cli("prepare", "--keypoints_file", old, "--output_dir", tmp_path / "npz")
    assert prepared.returncode != 0 and "has no video_fps" in prepared.stderr
    assert not (tmp_path / "npz" / "train_keypoints.npz").exists()
