"""The batched Holistic engine's speed on the CPU: frames per second and CPU seconds per frame at B = 1 and 8.

    python benchmarks/engine_speed.py [--quick] [--batches 1 8] [--copies 2] [--threads 1] [--json FILE]

Needs requirements-engine.txt and ../shared/data. The videos are the real clips of tests/engine_trace.py, each
taken `copies` times (14 videos, 430 frames by default), decoded before the clock starts; one warm-up video
first. Wall time and this process's CPU time cover BatchedHolistic.process_videos over all of them.
--quick: two clips once, B = 1 and 2.
"""

import sys
import time

import torch

import engine_trace
from benchlib import Figures, argument_parser
from phoenix_keypoints.engine.graph import BatchedHolistic


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if not engine_trace.available():
        sys.exit(f"{engine_trace.SHARED} is missing")
    torch.set_num_threads(args.threads)
    names = engine_trace.clip_names()[:2] if args.quick else engine_trace.clip_names()
    copies, batches = (1, [1, 2]) if args.quick else (args.copies, args.batches)
    clips = [(name, engine_trace.read_clip(name)) for name in names]
    videos = [(f"{name}#{copy}", frames) for copy in range(copies) for name, frames in clips]
    frames = sum(len(f) for _, f in videos)
    figures = Figures("engine_speed", args.json)
    engine = BatchedHolistic(batch_size=1)
    list(engine.process_videos(videos[:1]))  # warm-up: first calls allocate
    figures.note(f"{len(videos)} videos, {frames} frames, {args.threads} thread(s), torch {torch.__version__}")
    for batch in batches:
        engine = BatchedHolistic(batch_size=batch, models=engine.models)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        done = list(engine.process_videos(videos))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        assert len(done) == len(videos)
        figures.add(f"engine_speed.b{batch}.frames_per_second", frames / wall, "frames/s", digits=2)
        figures.add(f"engine_speed.b{batch}.cpu_ms_per_frame", cpu / frames * 1000, "ms", digits=1)
    figures.save()


if __name__ == "__main__":
    main()
