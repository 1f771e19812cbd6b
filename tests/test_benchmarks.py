"""Smoke run of the benchmarks: each script in its --quick mode runs and prints its figures.

They are not timed here; `make bench` runs them in full (see benchmarks/README.md).
"""

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO

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
    # As on the GPU machine: `mediapipe` resolves only to the prepared folder's models.
    device_like = tmp_path / "device_like.py"
    device_like.write_text(
        "import importlib.machinery, runpy, sys\n"
        "class Prepared:\n"
        "    def find_spec(name, path=None, target=None):\n"
        "        if name == 'mediapipe':\n"
        f"            return importlib.machinery.PathFinder.find_spec(name, [{str(prepared)!r}])\n"
        "sys.meta_path.insert(0, Prepared)\n"
        f"sys.argv, sys.path[0] = [{str(script)!r}] + sys.argv[1:], {str(script.parent)!r}\n"
        f"runpy.run_path({str(script)!r}, run_name='__main__')\n"
    )
    device_run = [sys.executable, str(device_like), "--quick", "--processes", "2", "--device", "cpu"]
    result = subprocess.run(
        [*device_run, "--batches", "2", "4", "--prepared", str(prepared), "--json", str(tmp_path / "gpu.json")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads((tmp_path / "gpu.json").read_text())
    assert figures["engine_gpu.pose.device_vs_cpu_mean_px"] == 0.0  # the CPU against itself
    assert {"engine_gpu.b4.frames_per_second", "engine_gpu.phoenix_minutes_1_gpu"} <= set(figures)
    assert figures["engine_gpu.alone_vs_among_others_identical"] == 2  # the two --quick clips
    assert "not bit-identical alone and among others" not in result.stdout  # each clip alone = among others
