"""Benchmark: the torch engine's frame feed, PNG frames decoded by worker processes (frame_decoders) against the
same frames decoded in the job's own process, side by side on the sample's frames.

    python benchmarks/engine_feed.py [--copies 20] [--processes 1 2] [--quick]

The sample's 5 PNG folders (110 frames) are read `copies` times, as the extraction job reads a shard's videos
for the engine (FrameWalk.rgb_frames: references, bad frames, sizes, RGB), once in this process and once through
FrameDecoders per process count. Prints frames/s (wall), the CPU the consuming process spends per frame (what
the engine's process pays to receive frames), the decoder processes' CPU per frame, and the decoder processes
one GPU needs to feed the goal's 1,600 frames/s.
"""

import resource
import time

from benchlib import Figures, argument_parser
from phoenix_keypoints.frame_decoders import FrameDecoders
from phoenix_keypoints.frame_sources import PngFrames
from phoenix_keypoints.holistic import FrameWalk
from phoenix_keypoints.testing import SAMPLE

GOAL_FRAMES_PER_SECOND = 1600  # per GPU (issue 11): the whole of PHOENIX in under 10 minutes on 1 H100


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def consume(videos) -> int:
    """Every frame of every (source, its frames or None: read in place), through FrameWalk as the job does; the
    number of frames."""
    count = 0
    for source, frames in videos:
        for _ in FrameWalk(source).rgb_frames(frames):
            count += 1
    return count


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    copies = 2 if args.quick else args.copies
    folders = sorted((SAMPLE / "features/fullFrame-210x260px").glob("*/*"))
    sources = [PngFrames(sorted(folder.glob("*.png")), folder.name) for folder in folders] * copies
    figures = Figures("engine_feed", args.json)

    wall, cpu = time.perf_counter(), time.process_time()
    frames = consume((source, None) for source in sources)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures.note(f"{len(sources)} videos, {frames} frames of 210x260 PNG")
    figures.add("engine_feed.in_process.frames_per_second", frames / wall, "frames/s")
    figures.add("engine_feed.in_process.cpu_ms_per_frame", 1000 * cpu / frames, "ms")
    for processes in args.processes:
        wall, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
        with FrameDecoders(processes) as decoders:
            decoded = (frames for _, frames in decoders.videos(enumerate(sources)))  # in the sources' order
            frames = consume(zip(sources, decoded, strict=True))
        wall, cpu, children = time.perf_counter() - wall, time.process_time() - cpu, children_cpu() - children
        name = f"engine_feed.p{processes}"
        figures.add(f"{name}.frames_per_second", frames / wall, "frames/s")
        figures.add(f"{name}.consumer_cpu_ms_per_frame", 1000 * cpu / frames, "ms")
        decoder_ms = figures.add(f"{name}.decoder_cpu_ms_per_frame", 1000 * children / frames, "ms")
        figures.add(f"{name}.processes_per_gpu", GOAL_FRAMES_PER_SECOND * decoder_ms / 1000, "processes", digits=1)
    figures.save()


if __name__ == "__main__":
    main()
