"""Where the free-running engine departs from MediaPipe on one clip: every stream of every frame, in graph order.

    python benchmarks/engine_divergence.py CLIP [--device cpu] [--tolerance 0.01]

CLIP is a clip of phoenix_keypoints.testing.trace (e.g. train/sample_asl_webcam-1, signing-clips/FOOTBALL.mp4). Runs
../shared/tools/holistic_trace.py (MediaPipe's graph with its intermediate streams) and the engine in one slot
with its stages recorded (holistic_step's `record`), and prints per frame each stream whose presence differs
(a decision) or whose largest x-y difference exceeds the tolerance in pixels, then the first such frame per
stream. The first stream to depart, in graph order, is where to look.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

from phoenix_keypoints.engine import subgraphs
from phoenix_keypoints.engine.graph import HolisticState, holistic_step
from phoenix_keypoints.testing import trace as engine_trace

# Graph order (spec §2): pose, then each hand, then the face.
STREAMS = (
    "pose_detection",
    "pose_landmarks",
    "pose_landmarks_roi",
    *(f"{side}_hand_{stream}" for side in ("left", "right") for stream in ("roi_from_pose", "roi_from_recrop")),
    *(f"{side}_hand_{stream}" for side in ("left", "right") for stream in ("tracking_roi", "landmarks")),
    "face_roi_from_pose",
    "face_roi_from_detection",
    "face_tracking_roi",
    "face_landmarks",
)


def mediapipe_value(stream: str, value: dict) -> np.ndarray:
    """The trace's value as the engine records it: ROIs [5], landmarks [n, 2], detection keypoints [4, 2]."""
    if stream == "pose_detection":
        return np.array(engine_trace.keypoints(value), dtype=np.float32)
    if stream.endswith("landmarks"):
        return np.array(engine_trace.landmarks(value), dtype=np.float32)[:, :2]
    return np.array(engine_trace.rect(value), dtype=np.float32)


def px_difference(ours: np.ndarray, theirs: np.ndarray, width: int, height: int) -> float:
    """Largest difference in pixels: x, y of points, or centre and size of a ROI."""
    if theirs.ndim == 1:
        return float(np.abs((ours[:4] - theirs[:4]) * (width, height, width, height)).max())
    return float(np.abs((ours[:, :2] - theirs) * (width, height)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--tolerance", type=float, default=0.01, help="pixels")
    args = parser.parse_args()
    torch.set_num_threads(1)
    frames = engine_trace.read_clip(args.clip)
    with tempfile.TemporaryDirectory() as workdir:
        trace = engine_trace.holistic_trace(frames, Path(workdir))
    height, width = frames[0].shape[:2]
    models = subgraphs.Models(args.device)
    state = HolisticState(1, torch.device(args.device))
    sizes = torch.tensor([[width, height]], dtype=torch.float32, device=args.device)
    active = torch.ones(1, dtype=torch.bool, device=args.device)
    first: dict[str, str] = {}
    for t, (frame, theirs) in enumerate(zip(frames, trace, strict=True)):
        record: dict = {}
        with torch.inference_mode():
            holistic_step(models, state, torch.from_numpy(frame)[None].to(args.device), sizes, active, record)
        notes = []
        for stream in STREAMS:
            slots, values = record.get(stream, (torch.zeros(0), None))
            ours = values[0].cpu().numpy() if len(slots) else None
            if (ours is None) != (stream not in theirs):
                note = f"{stream} present: engine {ours is not None}, MediaPipe {stream in theirs}"
            elif ours is not None:
                difference = px_difference(ours, mediapipe_value(stream, theirs[stream]), width, height)
                note = f"{stream} {difference:.3f} px" if difference > args.tolerance else None
            else:
                note = None
            if note:
                notes.append(note)
                first.setdefault(stream, f"frame {t}: {note}")
        if notes:
            print(f"frame {t}: " + "; ".join(notes))
    print(f"\nFirst departure per stream (tolerance {args.tolerance} px), in graph order:")
    for stream in STREAMS:
        print(f"  {stream}: {first.get(stream, 'none')}")


if __name__ == "__main__":
    main()
