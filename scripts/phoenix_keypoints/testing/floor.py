"""The torch engine free-running over real clips, judged as verify judges it (its per-part figures, limits and
config defaults) against MediaPipe's own noise floor: MediaPipe with one pixel per frame changed by one level,
once per seed. tests/test_engine_free_running.py asserts verify's criterion; benchmarks/engine_floor.py prints
the figures.
"""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import yaml

from ..engine.graph import BatchedHolistic
from ..layout import PART_NAMES
from ..verify import FloorLimits, PartErrors, judge_part
from . import REPO
from . import trace as engine_trace

# verify's seeds estimate MediaPipe's spread on a whole dataset's sample; the clips here have 235 frames, and
# one hand flag near its threshold (AUTSL, left hand, frames 7-11) makes the spread of presence agreement
# wide: over seeds 0-11 MediaPipe's own left-hand agreement ranged 0.979-1.000, over seeds 0-2 only 0.996-1.000.
FLOOR_SEEDS = 12
VERIFY = yaml.safe_load((REPO / "config/config.yaml").read_text())["verify"]
LIMITS = FloorLimits(VERIFY["floor_factor"], VERIFY["floor_margin_px"], VERIFY["presence_margin"])


def part_figures(runs: dict, reference: dict, sizes: dict) -> dict:
    """verify's per-part figures of one run against MediaPipe over all clips."""
    errors = PartErrors()
    for name, (width, height) in sizes.items():
        errors.add(*reference[name], *runs[name], width, height)
    return errors.figures()


def clip_sizes(clips: dict) -> dict:
    return {name: frames[0].shape[1::-1] for name, frames in clips.items()}


def mediapipe_figures(clips: dict, seeds: int, processes: int, while_waiting=None) -> tuple[dict, list[dict], object]:
    """MediaPipe's runs {clip: (keypoints, presence)} and each seed's floor figures against them, computed by
    `processes` spawned processes, and what `while_waiting()` (if given) returns, run here meanwhile."""
    names = list(clips)
    with ProcessPoolExecutor(processes, get_context("spawn")) as pool:
        reference = pool.submit(engine_trace.mediapipe_run, names, None)
        floors = [pool.submit(engine_trace.mediapipe_run, names, seed) for seed in range(seeds)]
        result = while_waiting() if while_waiting else None
        reference = reference.result()
        return reference, [part_figures(f.result(), reference, clip_sizes(clips)) for f in floors], result


def engine_outputs(clips: dict, batch: int, device: str = "cpu", models=None) -> dict:
    """{clip: (keypoints, presence)} of the engine over the clips, `batch` slots."""
    engine = BatchedHolistic(batch, device, models=models)
    return {key: (keypoints, presence) for key, keypoints, presence in engine.process_videos(clips.items())}


def measure(names: list[str], seeds: int, batch: int, processes: int) -> tuple[dict, list[dict], dict]:
    """The engine's per-part figures against MediaPipe, each seed's floor figures, and the engine's own outputs
    {clip: (keypoints, presence)}. MediaPipe's runs go to `processes` spawned processes while the engine runs
    here (one torch thread)."""
    clips = {name: engine_trace.read_clip(name) for name in names}
    reference, floors, engine = mediapipe_figures(clips, seeds, processes, lambda: engine_outputs(clips, batch))
    return part_figures(engine, reference, clip_sizes(clips)), floors, engine


def judge(engine: dict, floors: list[dict]) -> dict:
    """verify's judgement of each part: the engine's figures against the floor of these seeds."""
    return {part: judge_part(engine[part], [floor[part] for floor in floors], LIMITS) for part in PART_NAMES}
