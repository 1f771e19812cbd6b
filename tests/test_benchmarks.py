"""Smoke run of the benchmarks: each script in its --quick mode runs and prints its figures.

They are not timed here; `make bench` runs them in full (see benchmarks/README.md).
"""

import json
import os
import re
import subprocess
import sys

import pytest

from phoenix_keypoints.testing import REPO

pytestmark = pytest.mark.slow

# In this order: projection.py reads the figures the others saved.
FIGURES = {
    "floor": ("floor.cpu_ms_per_frame", "floor.frames_per_second"),
    "overhead": ("overhead.cpu_ratio", "overhead.wall_ratio", "overhead.job_startup_seconds"),
    "scaling": (
        "scaling.cores2.efficiency",
        "scaling.cores2.cpu_efficiency",
        "scaling.job_startup_cpu_seconds",
        "scaling.default_shards_startup_wall_share_16core",
    ),
    "real_scale": (
        "real_scale.index_rule_seconds",
        "real_scale.dry_run_seconds",
        "real_scale.merge_plus_prepare_seconds",
        "real_scale.peak_rss_gib",
    ),
    "video_input": (
        "video_input.autsl_decode_ms_per_frame",
        "video_input.png_decode_ms_per_frame",
        "video_input.cpu_ratio",
    ),
    "engine_chunks": ("engine_chunks.hand_landmark_full.c4.invariant",),
    "engine_speed": ("engine_speed.mediapipe.cpu_ms_per_frame", "engine_speed.b1.chunk4.cpu_ms_per_frame"),
    "engine_feed": ("engine_feed.in_process.cpu_ms_per_frame", "engine_feed.p2.consumer_cpu_ms_per_frame"),
    "verify_false_alarms": ("verify_false_alarms.k3_v2.false_alarms", "verify_false_alarms.k3_v10.hand_dropped_caught"),
    "engine_models": (
        "engine.pose_landmark_full.out0.max_abs_diff",
        "engine.hand_recrop.torch_ms_b16",
        "engine.hand_recrop.litert_b16_wrong_samples",
        "engine.face_landmark.litert_ms_b16",
    ),
    "engine_flops": ("engine_flops.tracked_frame_gflop",),
    "projection": ("projection.16_core_hours", "projection.64_core_hours", "projection.old_scripts_hours"),
}


def test_benchmarks_print_their_figures(tmp_path):
    for name, expected in FIGURES.items():
        command = [sys.executable, str(REPO / "benchmarks" / f"{name}.py"), "--quick", "--json", f"{name}.json"]
        if name == "projection":
            command += ["--figures", str(tmp_path)]
        result = subprocess.run(
            command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300
        )
        assert result.returncode == 0, f"{name}.py failed:\n{result.stdout[-4000:]}"
        printed = dict(re.findall(r"^FIGURE (\S+) = (\S+)", result.stdout, flags=re.MULTILINE))
        saved = json.loads((tmp_path / f"{name}.json").read_text())
        for figure in expected:
            assert figure in printed and figure in saved, f"{name}.py did not print {figure}:\n{result.stdout}"
        if name == "engine_models":
            check_batched_litert_times(saved)


def check_batched_litert_times(figures: dict) -> None:
    """engine_models.py leaves out a batch-16 time whose samples came out wrong, and counts them."""
    for name in ("pose_landmark_full", "hand_recrop", "hand_landmark_full", "face_landmark"):
        wrong = figures[f"engine.{name}.litert_b16_wrong_samples"]
        assert (f"engine.{name}.litert_ms_b16" in figures) == (wrong == 0), name
    assert figures["engine.hand_recrop.litert_b16_wrong_samples"] > 0  # LiteRT's slices stop at sample 1


def test_the_divergence_tool_runs(tmp_path):
    pytest.importorskip("torch")
    clip = "test/25October_2010_Monday_tagesschau-17"  # 2 frames
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "engine_divergence.py"), clip],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "First departure per stream" in result.stdout and "face_landmarks:" in result.stdout


def test_the_gpu_run_is_prepared_here_and_runs_without_mediapipe(tmp_path):
    """engine_gpu.py's two halves on the CPU: --prepare with mediapipe, then --prepared as on a GPU machine,
    where mediapipe is not installed and the models come from the prepared folder."""
    pytest.importorskip("torch")
    script = REPO / "benchmarks" / "engine_gpu.py"
    prepared = tmp_path / ".gpu"
    run = [sys.executable, str(script), "--quick", "--processes", "2"]
    result = subprocess.run([*run, "--prepare", str(prepared)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert len(list(prepared.glob("wheels/tflite-*.whl"))) == 1
    # As on the GPU machine: no mediapipe wheel (this one fails to import and holds no models); the engine is
    # told the prepared folder's models.
    absent = tmp_path / "no_wheel" / "mediapipe"
    absent.mkdir(parents=True)
    (absent / "__init__.py").write_text("raise ImportError('mediapipe is not installed on the GPU machine')\n")
    device_run = [*run, "--device", "cpu", "--batches", "2", "4", "--prepared", str(prepared)]
    result = subprocess.run(
        [*device_run, "--json", str(tmp_path / "gpu.json")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(absent.parent)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads((tmp_path / "gpu.json").read_text())
    assert figures["engine_gpu.pose.device_vs_cpu_mean_px"] == 0.0  # the CPU against itself
    assert {"engine_gpu.b4.frames_per_second", "engine_gpu.phoenix_minutes_1_gpu"} <= set(figures)
    assert figures["engine_gpu.alone_vs_among_others_identical"] == 2  # the two --quick clips
    assert "not bit-identical alone and among others" not in result.stdout  # each clip alone = among others
