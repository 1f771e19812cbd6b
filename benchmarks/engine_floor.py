"""The torch engine free-running over every real clip at hand, judged as verify judges it (its per-part figures,
limits and config defaults) against MediaPipe's own noise floor: MediaPipe with one pixel per frame changed by one
level, once per seed. Prints each part's figures and whether verify's default criterion passes; asserts nothing.

    python benchmarks/engine_floor.py [--seeds 3] [--batch 4] [--json FILE]
"""

import numpy as np
import torch
import yaml

import engine_trace
from benchlib import REPO, Figures, argument_parser
from phoenix_keypoints.engine.graph import BatchedHolistic
from phoenix_keypoints.landmarks import results_to_keypoints
from phoenix_keypoints.noise_floor import perturb
from phoenix_keypoints.verify import FloorLimits, PartErrors, judge_part


def mediapipe_keypoints(frames: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    import mediapipe as mp

    with mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1) as holistic:
        results = [results_to_keypoints(holistic.process(frame)) for frame in frames]
    return np.stack([r[0] for r in results]), np.stack([r[1] for r in results])


def part_figures(runs: dict, reference: dict, clips: dict) -> dict:
    """verify's per-part figures of one run against MediaPipe over all clips."""
    errors = PartErrors()
    for name, frames in clips.items():
        height, width = frames[0].shape[:2]
        errors.add(*reference[name], *runs[name], width, height)
    return errors.figures()


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, help="floor runs (default: verify's floor_seeds)")
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()
    verify = yaml.safe_load((REPO / "config/config.yaml").read_text())["verify"]
    limits = FloorLimits(verify["floor_factor"], verify["floor_margin_px"], verify["presence_margin"])
    torch.set_num_threads(1)
    names = engine_trace.clip_names()[:2] if args.quick else engine_trace.clip_names()
    clips = {name: engine_trace.read_clip(name) for name in names}
    reference = {name: mediapipe_keypoints(frames) for name, frames in clips.items()}
    floors = [
        part_figures(
            {
                name: mediapipe_keypoints([perturb(f, seed, name, i) for i, f in enumerate(frames)])
                for name, frames in clips.items()
            },
            reference,
            clips,
        )  # fmt: skip
        for seed in range(args.seeds or verify["floor_seeds"])
    ]
    engine = {key: (k, p) for key, k, p in BatchedHolistic(batch_size=args.batch).process_videos(clips.items())}
    figures = Figures("engine_floor", args.json)
    figures.note(f"{len(clips)} clips, {sum(len(f) for f in clips.values())} frames, {len(floors)} seeds")
    passed = True
    for part, engine_figures in part_figures(engine, reference, clips).items():
        judged = judge_part(engine_figures, [floor[part] for floor in floors], limits)
        worst = judged["floor"]["worst"]
        for key in ("presence_agreement", "mean_px", "p99_px"):
            figures.add(f"engine_floor.{part}.engine_{key}", engine_figures[key] or 0.0, digits=4)
            figures.add(f"engine_floor.{part}.floor_{key}", worst[key] or 0.0, digits=4)
        figures.note(f"{part}: {'within' if judged['passed'] else 'beyond'} verify's limits {judged['beyond']}")
        passed &= judged["passed"]
    figures.add("engine_floor.passed", float(passed), digits=0)
    figures.save()


if __name__ == "__main__":
    main()
