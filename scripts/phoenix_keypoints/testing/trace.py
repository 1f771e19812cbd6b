"""Real clips and MediaPipe's own per-frame intermediate values for the engine's graph tests.

The clips come from ../shared/data (never copied into the repository): the five PHOENIX-layout videos and two
signing videos (decoded with cv2, BGR -> RGB). `holistic_trace` runs ../shared/tools/holistic_trace.py, which
runs the wheel's Holistic graph with its subgraphs' ROIs exposed; its landmarks equal mp.solutions.holistic's.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from ..landmarks import results_to_keypoints
from ..noise_floor import perturb
from . import SHARED

TRACE_TOOL = SHARED / "tools" / "holistic_trace.py"
PHOENIX = SHARED / "data" / "phoenix-mini" / "PHOENIX-2014-T" / "features" / "fullFrame-210x260px"
VIDEOS = ("autsl-sample/signer0_sample1000_color.mp4", "signing-clips/FOOTBALL.mp4")
# A clip with the person gone for a few frames (uniform grey): pose is lost and re-acquired, which resets the
# one-euro filters but not the visibility filters.
GREY_GAP = ("train/sample_asl_soup-1", range(8, 11))


def available() -> bool:
    return TRACE_TOOL.is_file() and PHOENIX.is_dir()


def clip_names() -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in sorted(PHOENIX.glob("*/*"))] + list(VIDEOS) + [f"{GREY_GAP[0]}+grey"]


def read_clip(name: str) -> list[np.ndarray]:
    """The clip's RGB uint8 frames, in order."""
    if name.endswith("+grey"):
        frames = read_clip(name.removesuffix("+grey"))
        for t in GREY_GAP[1]:
            frames[t] = np.full_like(frames[t], 128)
        return frames
    if name.endswith(".mp4"):
        capture = cv2.VideoCapture(str(SHARED / "data" / name))
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                return frames
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    files = sorted((PHOENIX / name).glob("*.png"), key=lambda f: int(re.findall(r"(\d+)\D*$", f.name)[0]))
    return [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in files]


def mediapipe_keypoints(frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    import mediapipe as mp

    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        results = [results_to_keypoints(holistic.process(frame)) for frame in frames]
    return np.stack([r[0] for r in results]), np.stack([r[1] for r in results])


def mediapipe_run(names: list[str], seed: int | None) -> dict:
    """{clip: (keypoints, presence)} of MediaPipe over the clips, perturbed with `seed` (None: as they are)."""
    runs = {}
    for name in names:
        frames = read_clip(name)
        if seed is not None:
            frames = [perturb(frame, seed, name, i) for i, frame in enumerate(frames)]
        runs[name] = mediapipe_keypoints(frames)
    return runs


def holistic_trace(frames: list[np.ndarray], workdir: Path) -> list[dict]:
    """MediaPipe's per-frame streams (see the tool's docstring) for these frames, computed in `workdir`."""
    frame_dir = workdir / "frames"
    frame_dir.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(frame_dir / f"{i:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    out = workdir / "trace.json"
    subprocess.run(
        [sys.executable, str(TRACE_TOOL), str(frame_dir), "--json", str(out)], check=True, capture_output=True
    )
    return json.loads(out.read_text())


def rect(stream: dict) -> list[float]:
    """A NormalizedRect as [x_center, y_center, width, height, rotation] (absent fields are 0)."""
    return [stream.get(key, 0.0) for key in ("xCenter", "yCenter", "width", "height", "rotation")]


def landmarks(stream: dict) -> list[list[float]]:
    """A NormalizedLandmarkList as [[x, y, z, visibility]]."""
    return [[p.get("x", 0.0), p.get("y", 0.0), p.get("z", 0.0), p.get("visibility", 0.0)] for p in stream["landmark"]]


def keypoints(stream: dict) -> list[list[float]]:
    """A Detection's relative keypoints as [[x, y]]."""
    return [[p.get("x", 0.0), p.get("y", 0.0)] for p in stream["locationData"]["relativeKeypoints"]]
