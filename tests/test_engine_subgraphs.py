"""The engine's graph stages, teacher-forced: each stage gets MediaPipe's own upstream values (from
../shared/tools/holistic_trace.py) on every frame of the real clips and must take every decision MediaPipe took
and give its values within 0.01 px (rotations within 1e-4 rad; the models differ from XNNPACK at fp32 noise).

Skipped where torch, tflite, mediapipe or ../shared is absent. Traces are computed once per session in a temp dir.
"""

import math
from dataclasses import dataclass

import numpy as np
import pytest

from conftest import skip_without_the_graph_reference

# One torch thread: the machine is shared (conftest.one_torch_thread).
# MediaPipe's graph traced on real clips: slow.
pytestmark = [pytest.mark.slow, pytest.mark.engine, pytest.mark.usefixtures("one_torch_thread")]
skip_without_the_graph_reference()

import torch  # noqa: E402

from phoenix_keypoints.engine import subgraphs  # noqa: E402
from phoenix_keypoints.engine.filters import PoseFilters  # noqa: E402
from phoenix_keypoints.testing import trace as engine_trace  # noqa: E402
from phoenix_keypoints.testing.trace import keypoints, landmarks, rect  # noqa: E402

TOLERANCE_PX = 0.01
TOLERANCE_RAD = 1e-4
TOLERANCE_VISIBILITY = 1e-3  # a probability from a logit that differs from XNNPACK by fp32 noise
# z is in pixels too (scaled by the width), but the pose model's z reaches +-700 px here: its fp32 noise is larger.
TOLERANCE_Z_PX = 0.25
SIDES = ("left", "right")


@dataclass
class Clip:
    frames: "torch.Tensor"  # uint8 [n, H, W, 3]
    sizes: "torch.Tensor"  # float32 [n, 2]: (W, H)
    trace: list[dict]

    def rows(self, frames: list[int]) -> "torch.Tensor":
        return torch.tensor(frames, dtype=torch.long)


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Clip]:
    result = {}
    for i, name in enumerate(engine_trace.clip_names()):
        frames = engine_trace.read_clip(name)
        trace = engine_trace.holistic_trace(frames, tmp_path_factory.mktemp(f"trace{i}"))
        height, width = frames[0].shape[:2]
        sizes = torch.tensor([[width, height]] * len(frames), dtype=torch.float32)
        result[name] = Clip(torch.from_numpy(np.stack(frames)), sizes, trace)
    return result


@pytest.fixture(scope="module")
def models():
    return subgraphs.Models()


def f32(values) -> "torch.Tensor":
    return torch.tensor(values, dtype=torch.float64).float()


def px_error(a: "torch.Tensor", b: "torch.Tensor", sizes: "torch.Tensor", coordinate: slice = slice(0, 2)) -> float:
    """Largest |a - b| of normalised points [..., 2+] in pixels: x, y by default; z (scaled by the width as x
    is) with coordinate=slice(2, 3)."""
    if a.numel() == 0:
        return 0.0
    scale = torch.cat((sizes, sizes[:, :1]), dim=1)[:, coordinate]
    while scale.dim() < a.dim():
        scale = scale[:, None]
    return float(((a[..., coordinate] - b[..., coordinate]) * scale).abs().max())


Z = slice(2, 3)


def roi_error(a: "torch.Tensor", b: "torch.Tensor", sizes: "torch.Tensor") -> tuple[float, float]:
    """Largest difference of ROIs [n, 5]: centre and size in pixels, rotation in radians (wrapped)."""
    if a.numel() == 0:
        return 0.0, 0.0
    scale = torch.cat((sizes, sizes), dim=1)
    position = float(((a[:, :4] - b[:, :4]) * scale).abs().max())
    turn = (a[:, 4].double() - b[:, 4].double() + math.pi) % (2 * math.pi) - math.pi
    return position, float(turn.abs().max())


def check(figures: dict[str, float], limits: dict[str, float]) -> None:
    print(", ".join(f"{key} {value:.2e}" for key, value in figures.items()))
    failed = {key: value for key, value in figures.items() if value > limits[key.split(" ")[-1]]}
    assert not failed, f"beyond tolerance: {failed}"


LIMITS = {
    "px": TOLERANCE_PX,
    "rad": TOLERANCE_RAD,
    "visibility": TOLERANCE_VISIBILITY,
    "score": 1e-5,
    "z": TOLERANCE_Z_PX,
}


def test_pose_detection(clips, models):
    """S1 wherever the graph ran it (first frame, or no pose on the previous frame): found or not, and the
    detection's keypoints and box."""
    figures = {"keypoints px": 0.0, "box px": 0.0, "score": 0.0}
    for name, clip in clips.items():
        trace = clip.trace
        ran = [t for t in range(len(trace)) if t == 0 or "pose_landmarks" not in trace[t - 1]]
        rows = clip.rows(ran)
        with torch.inference_mode():
            found = subgraphs.detect_pose(models, clip.frames, clip.sizes, rows)
        expected = [("pose_detection" in trace[t]) for t in ran]
        assert found.found.tolist() == expected, name
        hits = [i for i, t in enumerate(ran) if expected[i]]
        reference = f32([keypoints(trace[ran[i]]["pose_detection"]) for i in hits])
        box = f32([list(trace[ran[i]]["pose_detection"]["locationData"]["relativeBoundingBox"].values()) for i in hits])
        sizes = clip.sizes[rows[hits]]
        figures["keypoints px"] = max(figures["keypoints px"], px_error(found.keypoints[hits], reference, sizes))
        box_sizes = torch.cat((sizes, sizes), dim=1)
        figures["box px"] = max(figures["box px"], float(((found.box[hits] - box) * box_sizes).abs().max()))
        scores = f32([trace[ran[i]]["pose_detection"]["score"][0] for i in hits])
        figures["score"] = max(figures["score"], float((found.score[hits] - scores).abs().max()))
    check(figures, LIMITS)


def test_pose_landmarks_filters_and_next_roi(clips, models):
    """S0, S2: the pose ROI (from MediaPipe's detection, or its previous-frame ROI), the pose flag, the refined
    landmarks through the visibility and one-euro filters across the clip (resets on loss included), and the
    next frame's ROI from the filtered auxiliary landmarks."""
    figures = {"landmarks px": 0.0, "landmarks z": 0.0, "visibility": 0.0, "next roi px": 0.0, "roi rad": 0.0}
    reacquired = 0
    for name, clip in clips.items():
        trace = clip.trace
        reacquired += sum("pose_detection" in streams for streams in trace[1:])
        rois, frames = [], []
        for t, streams in enumerate(trace):
            if "pose_detection" in streams:
                kp = f32([keypoints(streams["pose_detection"])])
                rois.append(subgraphs.pose_roi_from_detection(kp, clip.sizes[:1])[0])
            elif t > 0 and "pose_landmarks_roi" in trace[t - 1]:
                rois.append(f32(rect(trace[t - 1]["pose_landmarks_roi"])))
            else:
                assert "pose_landmarks" not in streams, f"{name} frame {t}: pose without a ROI"
                continue
            frames.append(t)
        rows = clip.rows(frames)
        with torch.inference_mode():
            result = subgraphs.pose_landmarks(models, clip.frames, clip.sizes, rows, torch.stack(rois))
        assert result.present.tolist() == [("pose_landmarks" in trace[t]) for t in frames], name
        filters = PoseFilters(1, torch.device("cpu"))
        slot = torch.zeros(1, dtype=torch.long)
        for i, t in enumerate(frames):
            if not result.present[i]:
                filters.reset(torch.ones(1, dtype=torch.bool))
                continue
            size = clip.sizes[:1]
            visibility = filters.smooth_visibility(slot, result.visibility[i : i + 1])
            scale = subgraphs.object_scale(result.landmarks[i : i + 1, 33:35], size)
            smoothed = filters.smooth_landmarks(slot, result.landmarks[i : i + 1], scale, size)
            reference = f32(landmarks(trace[t]["pose_landmarks"]))[None]
            figures["landmarks px"] = max(figures["landmarks px"], px_error(smoothed[:, :33], reference, size))
            figures["landmarks z"] = max(figures["landmarks z"], px_error(smoothed[:, :33], reference, size, Z))
            figures["visibility"] = max(
                figures["visibility"], float((visibility[0, :33] - reference[0, :, 3]).abs().max())
            )
            next_roi = subgraphs.pose_roi_from_landmarks(smoothed[:, 33:35], size)
            position, turn = roi_error(next_roi, f32([rect(trace[t]["pose_landmarks_roi"])]), size)
            figures["next roi px"] = max(figures["next roi px"], position)
            figures["roi rad"] = max(figures["roi rad"], turn)
    assert reacquired, "no clip loses and re-acquires the pose"
    print(f"pose re-acquisitions: {reacquired}")
    check(figures, LIMITS)


def _pose(clip: Clip, frames: list[int]):
    """MediaPipe's smoothed pose landmarks [n, 33, 3] and visibility [n, 33] on the given frames."""
    values = f32([landmarks(clip.trace[t]["pose_landmarks"]) for t in frames])
    return values[..., :3], values[..., 3]


def test_hands(clips, models):
    """S3 for both hands: wrist gate and ROI from MediaPipe's pose, recrop ROI from its ROI from pose, the
    tracking choice from its recrop ROI and previous landmarks, the landmarks from its tracking ROI."""
    figures = {"from pose px": 0.0, "recrop px": 0.0, "tracking px": 0.0, "landmarks px": 0.0, "landmarks z": 0.0}
    figures["roi rad"] = 0.0
    decisions = {"gate": 0, "tracking": 0, "flag": 0}
    for name, clip in clips.items():
        trace = clip.trace
        with_pose = [t for t, streams in enumerate(trace) if "pose_landmarks" in streams]
        pose, visibility = _pose(clip, with_pose)
        visible, from_pose = subgraphs.hand_rois_from_pose(pose, visibility, clip.sizes[with_pose])
        for s, side in enumerate(SIDES):
            expected = [f"{side}_hand_roi_from_pose" in trace[t] for t in with_pose]
            assert visible[:, s].tolist() == expected, f"{name} {side}: wrist gate"
            decisions["gate"] += len(expected)
            frames = [t for t, ok in zip(with_pose, expected, strict=True) if ok]
            if not frames:
                continue
            rows, sizes = clip.rows(frames), clip.sizes[frames]
            ours = from_pose[torch.tensor(expected), s]
            reference = f32([rect(trace[t][f"{side}_hand_roi_from_pose"]) for t in frames])
            _update(figures, "from pose px", roi_error(ours, reference, sizes))
            recrop_reference = f32([rect(trace[t][f"{side}_hand_roi_from_recrop"]) for t in frames])
            with torch.inference_mode():
                recrop = subgraphs.hand_recrop(models, clip.frames, clip.sizes, rows, reference)
            _update(figures, "recrop px", roi_error(recrop, recrop_reference, sizes))

            prev_valid = torch.tensor([t > 0 and f"{side}_hand_landmarks" in trace[t - 1] for t in frames])
            prev = torch.zeros(len(frames), 21, 3)
            for i, t in enumerate(frames):
                if prev_valid[i]:
                    prev[i] = f32(landmarks(trace[t - 1][f"{side}_hand_landmarks"]))[:, :3]
            tracking, kept = subgraphs.track_hand(prev, prev_valid, recrop_reference, sizes)
            tracking_reference = f32([rect(trace[t][f"{side}_hand_tracking_roi"]) for t in frames])
            mediapipe_kept = (tracking_reference != recrop_reference).any(dim=1)
            assert kept.tolist() == mediapipe_kept.tolist(), f"{name} {side}: tracking choice"
            decisions["tracking"] += len(frames)
            _update(figures, "tracking px", roi_error(tracking, tracking_reference, sizes))

            with torch.inference_mode():
                present, points = subgraphs.hand_landmarks(models, clip.frames, clip.sizes, rows, tracking_reference)
            expected_present = [f"{side}_hand_landmarks" in trace[t] for t in frames]
            assert present.tolist() == expected_present, f"{name} {side}: hand flag"
            decisions["flag"] += len(frames)
            hits = [i for i, ok in enumerate(expected_present) if ok]
            reference_points = f32([landmarks(trace[frames[i]][f"{side}_hand_landmarks"]) for i in hits])
            figures["landmarks px"] = max(
                figures["landmarks px"], px_error(points[hits], reference_points, sizes[hits])
            )
            figures["landmarks z"] = max(
                figures["landmarks z"], px_error(points[hits], reference_points, sizes[hits], Z)
            )
    print(f"hand decisions compared: {decisions}")
    check(figures, LIMITS)


def test_face(clips, models):
    """S4: ROI from MediaPipe's pose, face detection on its ROI from pose, the tracking choice from its detection
    ROI and previous landmarks, the landmarks from its tracking ROI."""
    figures = {"from pose px": 0.0, "detection px": 0.0, "tracking px": 0.0, "landmarks px": 0.0, "landmarks z": 0.0}
    figures["roi rad"] = 0.0
    for name, clip in clips.items():
        trace = clip.trace
        frames = [t for t, streams in enumerate(trace) if "pose_landmarks" in streams]
        rows, sizes = clip.rows(frames), clip.sizes[frames]
        pose, _ = _pose(clip, frames)
        reference = f32([rect(trace[t]["face_roi_from_pose"]) for t in frames])
        _update(figures, "from pose px", roi_error(subgraphs.face_roi_from_pose(pose, sizes), reference, sizes))
        with torch.inference_mode():
            found, from_detection = subgraphs.detect_face(models, clip.frames, clip.sizes, rows, reference)
        assert found.tolist() == [("face_roi_from_detection" in trace[t]) for t in frames], f"{name}: detection"
        hits = [i for i, ok in enumerate(found.tolist()) if ok]
        if not hits:
            continue
        frames, rows, sizes = [frames[i] for i in hits], rows[hits], sizes[hits]
        detection_reference = f32([rect(trace[t]["face_roi_from_detection"]) for t in frames])
        _update(figures, "detection px", roi_error(from_detection[hits], detection_reference, sizes))

        prev_valid = torch.tensor([t > 0 and "face_landmarks" in trace[t - 1] for t in frames])
        prev = torch.zeros(len(frames), 468, 3)
        for i, t in enumerate(frames):
            if prev_valid[i]:
                prev[i] = f32(landmarks(trace[t - 1]["face_landmarks"]))[:, :3]
        tracking, kept = subgraphs.track_face(prev, prev_valid, detection_reference, sizes)
        tracking_reference = f32([rect(trace[t]["face_tracking_roi"]) for t in frames])
        mediapipe_kept = (tracking_reference != detection_reference).any(dim=1)
        assert kept.tolist() == mediapipe_kept.tolist(), f"{name}: tracking choice"
        _update(figures, "tracking px", roi_error(tracking, tracking_reference, sizes))

        with torch.inference_mode():
            present, points = subgraphs.face_landmarks(models, clip.frames, clip.sizes, rows, tracking_reference)
        expected = [("face_landmarks" in trace[t]) for t in frames]
        assert present.tolist() == expected, f"{name}: face flag"
        hits = [i for i, ok in enumerate(expected) if ok]
        reference_points = f32([landmarks(trace[frames[i]]["face_landmarks"]) for i in hits])
        figures["landmarks px"] = max(figures["landmarks px"], px_error(points[hits], reference_points, sizes[hits]))
        figures["landmarks z"] = max(figures["landmarks z"], px_error(points[hits], reference_points, sizes[hits], Z))
    check(figures, LIMITS)


def _update(figures: dict[str, float], key: str, error: tuple[float, float]) -> None:
    figures[key] = max(figures[key], error[0])
    figures["roi rad"] = max(figures["roi rad"], error[1])


def test_the_confidences_are_the_pose_thresholds(clips, models):
    """min_detection_confidence is the pose detector's score threshold, min_tracking_confidence the pose landmark
    model's presence threshold: at the trace's own detection and flag scores, just above them drops the pose."""
    for name, clip in clips.items():
        found_at = [t for t, step in enumerate(clip.trace) if "pose_detection" in step][:1]
        if not found_at:
            continue
        rows = clip.rows(found_at)
        score = float(clip.trace[found_at[0]]["pose_detection"]["score"][0])
        with torch.inference_mode():
            below = subgraphs.detect_pose(models, clip.frames, clip.sizes, rows, min_score=score - 1e-4)
            above = subgraphs.detect_pose(models, clip.frames, clip.sizes, rows, min_score=score + 1e-4)
            assert below.found.all(), name
            assert not above.found.any(), name
            found = subgraphs.detect_pose(models, clip.frames, clip.sizes, rows)
            flag = subgraphs.pose_landmarks(models, clip.frames, clip.sizes, rows, found.roi)
            assert flag.present.all(), name
            assert not subgraphs.pose_landmarks(
                models, clip.frames, clip.sizes, rows, found.roi, threshold=1.0
            ).present.any()
