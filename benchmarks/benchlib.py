"""What the benchmarks share: measured commands, the bare MediaPipe loop, figures printed and saved."""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from phoenix_keypoints.frame_folders import video_frame_paths
from phoenix_keypoints.index import build_index
from phoenix_keypoints.testing import REPO, snakemake_command
from phoenix_keypoints.videos import DatasetPaths, Video

FULL_DATASET_FRAMES = 947_756


@dataclass
class Usage:
    """One finished command: wall seconds, CPU seconds and peak memory of its whole process tree."""

    wall: float
    cpu: float
    max_rss_mib: float
    returncode: int


def run_measured(command: list[str], cwd: Path, output: Path) -> Usage:
    """Run `command`, its output into `output`; CPU and peak RSS come from wait4 (reaped descendants included)."""
    started = time.perf_counter()
    with open(output, "w") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    wall = time.perf_counter() - started
    return Usage(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode)


def run_snakemake(workdir: Path, *args: str, config: dict | None = None, name: str = "snakemake") -> Usage:
    """The real workflow in `workdir`; its console output goes to workdir/<name>.out. Fails loudly."""
    workdir.mkdir(parents=True, exist_ok=True)
    output = workdir / f"{name}.out"
    usage = run_measured(snakemake_command(workdir, *args, config=config), workdir, output)
    if usage.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed ({usage.returncode}):\n{output.read_text()[-4000:]}")
    return usage


def indexed_videos(dataset_root: Path) -> list[tuple[Video, list[Path]]]:
    """Every video of the dataset with its frame files, in index order (the package's own index)."""
    videos, problems, _ = build_index(DatasetPaths(dataset_root), ["train", "dev", "test"])
    if problems:
        raise SystemExit(f"{dataset_root} has problems: {problems[:3]}")
    return [(video, video_frame_paths(dataset_root, video)) for video in videos]


@dataclass
class FloorRun:
    frames: int
    cpu: float  # seconds, all threads of this process
    wall: float

    @property
    def cpu_per_frame(self) -> float:
        return self.cpu / self.frames

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.wall


def floor_loop(videos: list[tuple[Video, list[Path]]], max_frames: int | None = None) -> FloorRun:
    """The floor: read PNG, convert colour, Holistic.process, reset per video; nothing else.

    A fresh instance (created outside the timing, as the job's workers do) with the default settings.
    """
    import cv2
    import mediapipe as mp

    holistic = mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1)
    frames = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _, frame_paths in videos:
        holistic.reset()
        for path in frame_paths[: None if max_frames is None else max_frames - frames]:
            holistic.process(cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
            frames += 1
        if max_frames is not None and frames >= max_frames:
            break
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    holistic.close()
    return FloorRun(frames, cpu, wall)


def per_frame_parts(frame_paths: list[Path], repeat: int = 5) -> dict[str, float]:
    """CPU seconds per frame of PNG decoding and of the landmark conversion (the job's only per-frame extra)."""
    import cv2
    import mediapipe as mp

    from phoenix_keypoints.landmarks import results_to_keypoints

    cpu0 = time.process_time()
    images = [cv2.imread(str(path), cv2.IMREAD_COLOR) for _ in range(repeat) for path in frame_paths]
    decode = (time.process_time() - cpu0) / len(images)
    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        results = [holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)) for image in images[: len(frame_paths)]]
    cpu0 = time.process_time()
    for _ in range(repeat):
        for result in results:
            results_to_keypoints(result)
    convert = (time.process_time() - cpu0) / (repeat * len(results))
    return {"png_decode": decode, "landmark_conversion": convert}


def floor_in_fresh_process(dataset_root: Path, output: Path) -> tuple[FloorRun, Usage]:
    """One floor pass in a new process (cold, like an extraction worker): benchmarks/floor.py --repeat 1.

    Also the whole process's usage: its CPU minus the loop's is what starting a worker costs.
    """
    figures = output.with_suffix(".json")
    command = [sys.executable, str(REPO / "benchmarks" / "floor.py"), "--repeat", "1"]
    usage = run_measured([*command, "--dataset", str(dataset_root), "--json", str(figures)], REPO, output)
    if usage.returncode != 0:
        raise SystemExit(f"floor.py failed:\n{output.read_text()[-4000:]}")
    values = json.loads(figures.read_text())
    frames = int(values["floor.frames"])
    wall = frames / values["floor.frames_per_second"]
    return FloorRun(frames, values["floor.cpu_ms_per_frame"] * frames / 1000, wall), usage


def default_num_shards() -> int:
    import yaml

    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())["num_shards"]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


class Figures:
    """Figures printed as `FIGURE name = value unit [goal]` lines and, with --json, saved for the projection."""

    def __init__(self, benchmark: str, json_path: Path | None):
        self.benchmark, self.json_path, self.values = benchmark, json_path, {}
        print(f"# {benchmark}: {load_average()}", flush=True)

    def add(self, name: str, value: float, unit: str = "", goal: str | None = None, digits: int = 3) -> float:
        text = f"FIGURE {name} = {value:.{digits}f}" + (f" {unit}" if unit else "")
        if goal:
            op, target = goal.split()
            met = value >= float(target) if op == ">=" else value < float(target)
            text += f"  [goal {goal}: {'met' if met else 'NOT met'}]"
        print(text, flush=True)
        self.values[name] = value
        return value

    def note(self, text: str) -> None:
        print(f"# {text}", flush=True)

    def save(self) -> None:
        print(f"# {self.benchmark} finished: {load_average()}", flush=True)
        if self.json_path:
            self.json_path.parent.mkdir(parents=True, exist_ok=True)
            self.json_path.write_text(json.dumps(self.values, indent=2) + "\n")


def argument_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny run that only checks the benchmark works")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser
