"""The whole engine, free-running over the real clips (4 slots for 8 videos, so slots are refilled), against
mp.solutions.holistic, judged by verify's own criterion and config defaults against MediaPipe's own noise floor
on the same frames: MediaPipe run again with one pixel per frame changed by one level, once per seed. The
tracking loop amplifies fp32-level differences (spec §7), so agreement is statistical: presence agreement and
x-y error in pixels per part. Run with -s for the figures (benchmarks/engine_floor.py prints them too).
"""

import os

import numpy as np
import pytest

from conftest import skip_without_the_graph_reference

# One torch thread: the machine is shared (conftest.one_torch_thread).
# MediaPipe runs the same clips (13 times): slow.
pytestmark = [pytest.mark.slow, pytest.mark.engine, pytest.mark.usefixtures("one_torch_thread")]
skip_without_the_graph_reference()

from phoenix_keypoints.engine.graph import BatchedHolistic  # noqa: E402
from phoenix_keypoints.layout import PART_NAMES, part_slice  # noqa: E402
from phoenix_keypoints.testing import trace as engine_trace  # noqa: E402
from phoenix_keypoints.testing.floor import FLOOR_SEEDS, judge, measure  # noqa: E402

BATCH = 4


def test_engine_agrees_with_mediapipe_as_mediapipe_with_itself():
    names = engine_trace.clip_names()
    engine, floors, outputs = measure(names, FLOOR_SEEDS, BATCH, processes=os.cpu_count())
    assert sorted(outputs) == sorted(names)
    for name in names:
        frames = len(engine_trace.read_clip(name))
        keypoints, presence = outputs[name]
        assert keypoints.shape == (frames, 143, 3) and keypoints.dtype == np.float32
        assert presence.shape == (frames, 4) and presence.dtype == bool
    print(f"\n{len(names)} clips; engine vs MediaPipe | worst of {FLOOR_SEEDS} seeds of MediaPipe with one-level noise")
    judged = judge(engine, floors)
    for part, entry in judged.items():
        ours, worst = entry["engine"], entry["floor"]["worst"]
        print(
            f"{part:10s} frames {ours['frames_compared']:4d}  presence {ours['presence_agreement']:.4f} | "
            f"{worst['presence_agreement']:.4f}  mean {ours['mean_px']:.3f} | {worst['mean_px']:.3f} px  "
            f"p99 {ours['p99_px']:.2f} | {worst['p99_px']:.2f} px  max {ours['max_px']:.1f} | {worst['max_px']:.1f} px"
        )
    assert all(entry["engine"]["frames_compared"] for entry in judged.values())  # every part was compared
    assert {part: entry["beyond"] for part, entry in judged.items()} == {part: [] for part in PART_NAMES}


def test_slots_are_refilled_with_fresh_state():
    """Videos of different lengths (one empty) through 2 slots: every video comes out once with one row per
    frame, and a video run again in a refilled slot starts from fresh state (same pose as its first run, up to
    the fp32 noise of a different batch companion)."""
    soup = engine_trace.read_clip("train/sample_asl_soup-1")[:5]
    clip = engine_trace.read_clip("dev/sample_asl_clip-1")[:3]
    videos = [("soup", soup), ("empty", []), ("clip", clip), ("soup again", soup)]
    results = {key: (keypoints, presence) for key, keypoints, presence in BatchedHolistic(2).process_videos(videos)}
    assert {key: len(value[0]) for key, value in results.items()} == {"soup": 5, "empty": 0, "clip": 3, "soup again": 5}
    assert results["empty"][0].shape == (0, 143, 3) and results["empty"][1].shape == (0, 4)
    first, again = results["soup"], results["soup again"]
    assert np.array_equal(first[1], again[1])
    pose = part_slice("pose")
    width, height = soup[0].shape[1], soup[0].shape[0]
    assert np.abs((first[0][:, pose, :2] - again[0][:, pose, :2]) * (width, height)).max() < 0.5
