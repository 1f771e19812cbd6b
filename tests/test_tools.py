"""The standalone tools in scripts/, run as a user would, against the workflow's own outputs."""

import json
import pickle

import numpy as np
import pytest

from conftest import SAMPLE, run_script
from phoenix_keypoints.atomic import read_pickle
from phoenix_keypoints.merge import split_arrays

TOOLS = {
    "extract_keypoints.py": ["--dataset_path", "--output_path", "--max_samples_per_split"],
    "merge_keypoint_results.py": ["--input_files", "--output_path", "--index"],
    "verify_distributed_results.py": ["--single", "--distributed", "--atol"],
    "prepare_model_input.py": ["--keypoints_file", "--output_dir"],
    "check_extraction_progress.py": ["results"],
}


def assert_same_keypoints(ours: dict, theirs: dict) -> None:
    assert list(ours) == list(theirs)
    for split in theirs:
        assert ours[split]["videos"] == theirs[split]["videos"]
        assert ours[split]["settings"] == theirs[split]["settings"]
        mine, other = split_arrays(ours[split]), split_arrays(theirs[split])
        for name, array in other.items():
            np.testing.assert_array_equal(mine[name], array, err_msg=f"{split} {name}")


@pytest.mark.parametrize("tool", TOOLS)
def test_help_and_bad_arguments(tool, tmp_path):
    help_text = run_script(tool, "--help")
    assert help_text.returncode == 0 and all(flag in help_text.stdout for flag in TOOLS[tool])
    wrong = run_script(tool, "--no_such_flag", cwd=tmp_path)
    assert wrong.returncode == 2 and f"{tool}: error:" in wrong.stderr and "usage:" in wrong.stderr


@pytest.mark.parametrize("tool", [t for t in TOOLS if t != "check_extraction_progress.py"])
def test_missing_arguments(tool):
    result = run_script(tool)
    assert result.returncode == 2 and "the following arguments are required" in result.stderr


def test_single_process_extractor_agrees_with_the_workflow(sample_run, tmp_path):
    output = tmp_path / "single.pkl"
    result = run_script(
        "extract_keypoints.py", "--dataset_path", SAMPLE, "--output_path", output, "--max_samples_per_split", 1
    )
    assert result.returncode == 0, result.stderr[-3000:]
    single = read_pickle(output)
    assert [v["video_id"] for v in single["train"]["videos"]] == ["sample_asl_soup-1"]
    workflow = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    assert single["train"]["settings"] == workflow["train"]["settings"]
    assert set(single["train"]["keypoints"][0]) == set(workflow["train"]["keypoints"][0])
    verify = run_script(
        "verify_distributed_results.py", "--single", output, "--distributed",
        sample_run / "results/phoenix_keypoints_full.pkl", "--report", tmp_path / "report.json",
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report == json.loads(verify.stdout) and report["passed"]
    assert {split: entry["frames"] for split, entry in report["splits"].items()} == {"train": 20, "dev": 9, "test": 2}


def test_extractor_names_a_wrong_dataset(tmp_path):
    result = run_script("extract_keypoints.py", "--dataset_path", tmp_path, "--output_path", tmp_path / "out.pkl")
    assert result.returncode == 1 and "corpus CSV not found" in result.stderr
    assert not (tmp_path / "out.pkl").exists()


def test_verify_tool_finds_a_difference(sample_run, tmp_path):
    merged = read_pickle(sample_run / "results/phoenix_keypoints_full.pkl")
    merged["dev"]["keypoints"][3]["keypoints"] = merged["dev"]["keypoints"][3]["keypoints"] + 0.01
    changed = tmp_path / "changed.pkl"
    changed.write_bytes(pickle.dumps(merged))
    result = run_script(
        "verify_distributed_results.py", "--single", sample_run / "results/verify/baseline.pkl",
        "--distributed", changed,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["passed"]
    assert report["splits"]["dev"]["problems"] == ["sample_asl_clip-1: 0 presence mismatches, max |diff| 0.01"]


def test_merge_tool_rebuilds_the_merged_file(sample_run, tmp_path):
    shards = sorted((sample_run / "results/shards").glob("shard_*.pkl"))
    output = tmp_path / "merged.pkl"
    result = run_script(
        "merge_keypoint_results.py", "--input_files", *shards, "--output_path", output,
        "--index", sample_run / "results/index/videos.tsv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_same_keypoints(read_pickle(output), read_pickle(sample_run / "results/phoenix_keypoints_full.pkl"))


def test_merge_tool_refuses_duplicates_and_non_shards(sample_run, tmp_path):
    shard = next(p for p in sorted((sample_run / "results/shards").glob("shard_*.pkl")) if read_pickle(p)["videos"])
    twice = run_script("merge_keypoint_results.py", "--input_files", shard, shard, "--output_path", tmp_path / "m.pkl")
    assert twice.returncode == 1 and "appears twice" in twice.stderr
    merged = sample_run / "results/phoenix_keypoints_full.pkl"
    wrong = run_script("merge_keypoint_results.py", "--input_files", merged, "--output_path", tmp_path / "m.pkl")
    assert wrong.returncode == 1 and "is not a shard file" in wrong.stderr
    assert not (tmp_path / "m.pkl").exists()


def test_prepare_tool_writes_the_workflow_npz(sample_run, tmp_path):
    result = run_script(
        "prepare_model_input.py", "--keypoints_file", sample_run / "results/phoenix_keypoints_full.pkl",
        "--output_dir", tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for split in ("train", "dev", "test"):
        ours = np.load(tmp_path / f"{split}_keypoints.npz", allow_pickle=False)
        theirs = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        assert set(ours.files) == set(theirs.files)
        for name in theirs.files:
            np.testing.assert_array_equal(ours[name], theirs[name])
    missing = run_script("prepare_model_input.py", "--keypoints_file", tmp_path / "nope.pkl", "--output_dir", tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
