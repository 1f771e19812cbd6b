"""The batched Holistic engine's speed beside MediaPipe's on the same frames: frames per second and CPU seconds
per frame, MediaPipe (one instance, reset per video) and the engine at B = 16, with its models called on all of
a step's crops at once (unchunked: the engine before chunking, whose keypoints depend on the batch) and in
chunks of each size tried (the padding's extra CPU time beside each).

    python benchmarks/engine_speed.py [--quick] [--batches 16] [--chunks 4 8 16] [--copies 2] [--threads 1]
        [--device cpu] [--json FILE]

Needs requirements-engine.txt and ../shared/data. The videos are the real clips of phoenix_keypoints.testing.trace, each
taken `copies` times (14 videos, 430 frames by default), decoded before the clock starts; one warm-up video
first. Wall time and this process's CPU time cover BatchedHolistic.process_videos over all of them.
--quick: two clips once, B = 1 and 2, chunks of 4.
"""

import sys
import time

import torch

from benchlib import Figures, argument_parser
from phoenix_keypoints.engine.graph import BatchedHolistic
from phoenix_keypoints.engine.subgraphs import Models
from phoenix_keypoints.testing import trace as engine_trace


def mediapipe_loop(videos) -> tuple[float, float]:
    """Wall and CPU seconds of MediaPipe's own Holistic over the videos (one instance, reset per video)."""
    import mediapipe as mp

    with mp.solutions.holistic.Holistic(model_complexity=1) as holistic:
        holistic.process(videos[0][1][0])  # warm-up, as for the engine
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _, frames in videos:
            holistic.reset()
            for frame in frames:
                holistic.process(frame)
        return time.perf_counter() - wall0, time.process_time() - cpu0


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[16])
    parser.add_argument("--chunks", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    args = parser.parse_args()
    if not engine_trace.available():
        sys.exit(f"{engine_trace.SHARED} is missing")
    torch.set_num_threads(args.threads)
    names = engine_trace.clip_names()[:2] if args.quick else engine_trace.clip_names()
    copies, batches, chunks = (1, [1, 2], [4]) if args.quick else (args.copies, args.batches, args.chunks)
    clips = [(name, engine_trace.read_clip(name)) for name in names]
    videos = [(f"{name}#{copy}", frames) for copy in range(copies) for name, frames in clips]
    frames = sum(len(f) for _, f in videos)
    figures = Figures("engine_speed", args.json)
    mediapipe_seconds = mediapipe_loop(videos)
    figures.add("engine_speed.mediapipe.frames_per_second", frames / mediapipe_seconds[0], "frames/s", digits=2)
    figures.add("engine_speed.mediapipe.cpu_ms_per_frame", mediapipe_seconds[1] / frames * 1000, "ms", digits=1)
    models = {chunk: Models(args.device, chunk_size=chunk) for chunk in [None, *chunks]}
    for chunk_models in models.values():  # warm-up: first calls allocate
        list(BatchedHolistic(batch_size=1, device=args.device, models=chunk_models).process_videos(videos[:1]))
    figures.note(f"{len(videos)} videos, {frames} frames, {args.threads} thread(s), torch {torch.__version__}")
    for batch in batches:
        unchunked_cpu = None
        for chunk, chunk_models in models.items():
            engine = BatchedHolistic(batch_size=batch, device=args.device, models=chunk_models)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            done = list(engine.process_videos(videos))
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            assert len(done) == len(videos)
            name = f"engine_speed.b{batch}." + ("unchunked" if chunk is None else f"chunk{chunk}")
            figures.add(f"{name}.frames_per_second", frames / wall, "frames/s", digits=2)
            figures.add(f"{name}.cpu_ms_per_frame", cpu / frames * 1000, "ms", digits=1)
            if chunk is None:
                unchunked_cpu = cpu
            else:
                figures.add(f"{name}.extra_cpu_percent", (cpu / unchunked_cpu - 1) * 100, "%", "< 10", digits=1)
    figures.save()


if __name__ == "__main__":
    main()
