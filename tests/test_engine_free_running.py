"""The whole engine, free-running over the real clips (4 slots for 7 videos, so slots are refilled), against
mp.solutions.holistic, judged against MediaPipe's own noise floor on the same frames: MediaPipe run again with
one pixel per frame changed by one level. The tracking loop amplifies fp32-level differences (spec §7), so
agreement is statistical: presence agreement and x-y error in pixels per part. Run with -s for the figures.
"""

import numpy as np
import pytest

# One torch thread: the machine is shared (conftest.one_torch_thread).
pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("one_torch_thread")]
torch = pytest.importorskip("torch")
pytest.importorskip("tflite")
mp = pytest.importorskip("mediapipe")

import engine_trace  # noqa: E402
from phoenix_keypoints.engine.graph import BatchedHolistic  # noqa: E402
from phoenix_keypoints.landmarks import results_to_keypoints  # noqa: E402
from phoenix_keypoints.layout import PART_NAMES, part_slice  # noqa: E402

if not engine_trace.available():
    pytest.skip(f"{engine_trace.SHARED} is missing", allow_module_level=True)

BATCH = 4


def mediapipe_keypoints(frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        results = [results_to_keypoints(holistic.process(frame)) for frame in frames]
    return np.stack([r[0] for r in results]), np.stack([r[1] for r in results])


def one_level_noise(frames: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """The frames with one random pixel channel per frame moved by one level (invisible input noise)."""
    rng = np.random.default_rng(seed)
    noisy = []
    for frame in frames:
        frame = frame.copy()
        y, x, c = (rng.integers(n) for n in frame.shape)
        frame[y, x, c] = frame[y, x, c] + 1 if frame[y, x, c] < 255 else 254
        noisy.append(frame)
    return noisy


def compare(pairs) -> dict[str, dict[str, float]]:
    """Per part: presence agreement and x-y error in pixels (where both have the part) over all frames."""
    figures = {}
    for j, part in enumerate(PART_NAMES):
        agree, total, errors = 0, 0, []
        for (keypoints, presence), (ref_keypoints, ref_presence), (width, height) in pairs:
            agree += int((presence[:, j] == ref_presence[:, j]).sum())
            total += len(presence)
            both = presence[:, j] & ref_presence[:, j]
            delta = (keypoints[both][:, part_slice(part), :2] - ref_keypoints[both][:, part_slice(part), :2]) * (
                width,
                height,
            )
            errors.append(np.hypot(delta[..., 0], delta[..., 1]).ravel())
        error = np.concatenate(errors)
        figures[part] = {
            "presence": agree / total,
            "mean": float(error.mean()),
            "p99": float(np.percentile(error, 99)),
            "max": float(error.max()),
        }
    return figures


def test_engine_agrees_with_mediapipe_as_mediapipe_with_itself():
    clips = {name: engine_trace.read_clip(name) for name in engine_trace.clip_names()}
    reference = {name: mediapipe_keypoints(frames) for name, frames in clips.items()}
    floor = {name: mediapipe_keypoints(one_level_noise(frames, seed=0)) for name, frames in clips.items()}
    engine = dict(
        (key, (keypoints, presence))
        for key, keypoints, presence in BatchedHolistic(batch_size=BATCH).process_videos(clips.items())
    )
    assert sorted(engine) == sorted(clips)
    for name, frames in clips.items():
        assert engine[name][0].shape == (len(frames), 143, 3) and engine[name][0].dtype == np.float32
        assert engine[name][1].shape == (len(frames), 4) and engine[name][1].dtype == bool
    sizes = {name: frames[0].shape[1::-1] for name, frames in clips.items()}
    ours = compare([(engine[n], reference[n], sizes[n]) for n in clips])
    noise = compare([(floor[n], reference[n], sizes[n]) for n in clips])
    frames = sum(len(f) for f in clips.values())
    print(f"\n{frames} frames of {len(clips)} clips; engine vs MediaPipe | MediaPipe with one-level noise vs MediaPipe")
    for part in PART_NAMES:
        a, b = ours[part], noise[part]
        print(
            f"{part:10s} presence {a['presence']:.4f} | {b['presence']:.4f}   "
            f"mean {a['mean']:.3f} | {b['mean']:.3f} px   p99 {a['p99']:.2f} | {b['p99']:.2f} px   "
            f"max {a['max']:.1f} | {b['max']:.1f} px"
        )
    for part in PART_NAMES:
        a, b = ours[part], noise[part]
        # Generous but meaningful: a wrong crop, filter or ROI rule moves every frame by whole pixels.
        assert a["presence"] >= min(b["presence"], 1.0) - 0.03, part
        assert a["mean"] <= 3 * b["mean"] + 0.05, part
        assert a["p99"] <= 3 * b["p99"] + 0.5, part


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
