"""Benchmark 1, the floor: MediaPipe Holistic alone over the bundled sample's frames, in one process.

    python benchmarks/floor.py [--repeat 3] [--dataset ROOT] [--quick]

Read PNG, convert colour, Holistic.process, reset per video; nothing else. CPU time counts every thread
of the process (MediaPipe runs its sub-graphs on several), so CPU ms per frame is the cost per frame.
Pass 1 runs in a fresh process, as an extraction worker does; later passes show the warm cost.
"""

from pathlib import Path

from benchlib import Figures, argument_parser, floor_loop, indexed_videos
from phoenix_keypoints.testing import SAMPLE


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the frames, each with a fresh instance")
    parser.add_argument("--dataset", type=Path, default=SAMPLE, help="dataset root (default: the bundled sample)")
    args = parser.parse_args()
    figures = Figures("floor", args.json)
    videos = indexed_videos(args.dataset)
    runs = [floor_loop(videos, max_frames=10 if args.quick else None) for _ in range(1 if args.quick else args.repeat)]
    for i, run in enumerate(runs, start=1):
        figures.note(
            f"pass {i}: {run.frames} frames, {1000 * run.cpu_per_frame:.2f} ms CPU/frame, "
            f"{run.frames_per_second:.1f} frames/s, {run.cpu / run.wall:.2f} cores busy"
        )
    figures.add("floor.frames", runs[0].frames, digits=0)
    figures.add("floor.cpu_ms_per_frame", 1000 * runs[0].cpu_per_frame, "ms")
    figures.add("floor.frames_per_second", runs[0].frames_per_second, "frames/s", digits=1)
    figures.add("floor.cores_busy", runs[0].cpu / runs[0].wall, "cores", digits=2)
    if len(runs) > 1:
        figures.add("floor.warm_cpu_ms_per_frame", 1000 * min(r.cpu_per_frame for r in runs[1:]), "ms")
    figures.save()


if __name__ == "__main__":
    main()
