"""The torch engine's arithmetic per frame: floating-point operations of each Holistic model on one crop (torch's
FlopCounterMode), and their sum for a frame where pose, both hands and the face are tracked. A design figure for
the GPU, where the engine's time is meant to go into these models.

    python benchmarks/engine_flops.py [--json FILE]
"""

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchlib import Figures, argument_parser
from phoenix_keypoints.engine.tflite_torch import HOLISTIC_MODELS, load_model, mediapipe_model_path

# Input size of each model, and how often one frame runs it when pose, hands and face are tracked (the pose
# detector runs only where the pose was lost; the face detector on every frame's pose-derived crop).
CROPS = {
    "pose_detection": (224, 0),
    "pose_landmark_full": (256, 1),
    "hand_recrop": (256, 2),
    "hand_landmark_full": (224, 2),
    "face_detection_short_range": (128, 1),
    "face_landmark": (192, 1),
}


def main() -> None:
    args = argument_parser(__doc__.splitlines()[0]).parse_args()
    figures = Figures("engine_flops", args.json)
    per_frame = 0.0
    for name in HOLISTIC_MODELS:
        size, runs = CROPS[name]
        model = load_model(mediapipe_model_path(name))
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            model(torch.rand(1, size, size, 3))
        gflop = counter.get_total_flops() / 1e9
        figures.add(f"engine_flops.{name}_gflop", gflop, "GFLOP", digits=3)
        per_frame += runs * gflop
    figures.add("engine_flops.tracked_frame_gflop", per_frame, "GFLOP", digits=3)
    figures.save()


if __name__ == "__main__":
    main()
