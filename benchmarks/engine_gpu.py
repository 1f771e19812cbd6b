"""The torch engine on a GPU in one short run: its keypoints against MediaPipe and MediaPipe's own noise floor
(verify's criterion), whether each video's keypoints are bit-identical alone and among others on the device,
frames/s and GPU memory at several batch sizes, frames/s for each model chunk size (torch_engine.chunk_size),
the feed from PNG folders through the decoder processes, where the time goes, and the projection for
PHOENIX-2014-T.

A GPU machine here has torch but no mediapipe (its numpy is 2.x) and no ../shared, so the run is prepared on a
machine that has them, into an ignored folder that travels with the command:

    python benchmarks/engine_gpu.py --prepare .gpu            # here (see docs/engine.md, "On a GPU machine")
    python3 benchmarks/engine_gpu.py --prepared .gpu [--device cuda] [--batches 16 64 128 256]
        [--chunks 4 16 64] [--json FILE]

--prepare writes the real clips (engine_trace's, FOOTBALL left out for size) as PNG frames, MediaPipe's
keypoints of them and its noise floor figures (FLOOR_SEEDS seeds), the six models in a `mediapipe/modules`
tree (given to the engine as its models folder) and the tflite wheel. Nothing in it is committed: it
holds frames of ../shared/data and what MediaPipe made of them.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchlib import FULL_DATASET_FRAMES, Figures, argument_parser
from phoenix_keypoints.testing import trace as engine_trace

LEFT_OUT = ("signing-clips/FOOTBALL.mp4",)  # 62 frames of 640x360: the largest PNGs; the folder must stay small
TFLITE_WHEEL = "tflite==2.18.0"


def prepare(folder: Path, seeds: int, processes: int, quick: bool) -> None:
    import cv2

    from phoenix_keypoints.engine.tflite_torch import HOLISTIC_MODELS, mediapipe_model_path
    from phoenix_keypoints.testing.floor import mediapipe_figures

    names = [name for name in engine_trace.clip_names() if name not in LEFT_OUT][: 2 if quick else None]
    clips = {name: engine_trace.read_clip(name) for name in names}
    shutil.rmtree(folder, ignore_errors=True)
    for i, frames in enumerate(clips.values()):
        (folder / "clips" / f"{i}").mkdir(parents=True)
        for t, frame in enumerate(frames):
            cv2.imwrite(str(folder / "clips" / f"{i}" / f"{t:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    reference, floors, _ = mediapipe_figures(clips, seeds, processes)
    arrays = {}
    for i, name in enumerate(names):
        arrays[f"{i}_keypoints"], arrays[f"{i}_presence"] = reference[name]
    np.savez_compressed(folder / "mediapipe.npz", **arrays)
    (folder / "prepared.json").write_text(json.dumps({"clips": names, "floors": floors}, indent=1))
    for name, relative in HOLISTIC_MODELS.items():
        (folder / "mediapipe" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mediapipe_model_path(name), folder / "mediapipe" / relative)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(folder / "wheels")]
    subprocess.run([*command, TFLITE_WHEEL], check=True)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"{folder}: {len(names)} clips, {sum(len(f) for f in clips.values())} frames, {size / 2**20:.1f} MiB")


def read_prepared(folder: Path) -> tuple[dict, dict, list[dict]]:
    """The clips {name: RGB frames}, MediaPipe's runs {name: (keypoints, presence)} and the floor figures."""
    import cv2

    prepared = json.loads((folder / "prepared.json").read_text())
    arrays = np.load(folder / "mediapipe.npz")
    clips, reference = {}, {}
    for i, name in enumerate(prepared["clips"]):
        files = sorted((folder / "clips" / f"{i}").glob("*.png"))
        clips[name] = [cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB) for f in files]
        reference[name] = (arrays[f"{i}_keypoints"], arrays[f"{i}_presence"])
    return clips, reference, prepared["floors"]


def replicated(videos: dict, batch: int) -> list[tuple[str, object]]:
    """(key, video) with each video taken often enough that every one of `batch` slots runs about two."""
    copies = math.ceil(2 * batch / len(videos))
    return [(f"{name}#{c}", video) for c in range(copies) for name, video in videos.items()]


def timed_run(engine, videos: list, device: str) -> tuple[float, int, float]:
    """Wall seconds, frames and peak GPU memory (GiB; 0 on the CPU) of the engine over the videos."""
    import torch

    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    wall = time.perf_counter()
    frames = sum(len(keypoints) for _, keypoints, _ in engine.process_videos(videos))
    wall = time.perf_counter() - wall
    return wall, frames, torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0


def main() -> None:
    parser = argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, metavar="DIR", help="here: write the folder to carry")
    parser.add_argument("--prepared", type=Path, metavar="DIR", help="there: run on it")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batches", type=int, nargs="+", default=[16, 64, 128, 256])
    parser.add_argument("--chunks", type=int, nargs="+", default=[4, 16, 64], help="model chunk sizes to time")
    parser.add_argument(
        "--processes", type=int, default=max(1, (os.cpu_count() or 2) - 1), help="MediaPipe or decoders"
    )
    args = parser.parse_args()
    if args.prepare:
        from phoenix_keypoints.testing.floor import FLOOR_SEEDS

        prepare(args.prepare.resolve(), 2 if args.quick else FLOOR_SEEDS, args.processes, args.quick)
        return
    if not args.prepared:
        parser.error("give --prepare DIR (here) or --prepared DIR (on the GPU machine)")
    folder = args.prepared.resolve()
    import torch

    from phoenix_keypoints.engine.graph import BatchedHolistic
    from phoenix_keypoints.engine.subgraphs import Models
    from phoenix_keypoints.frame_decoders import FrameDecoders
    from phoenix_keypoints.frame_sources import PngFrames
    from phoenix_keypoints.holistic import FrameWalk
    from phoenix_keypoints.testing.floor import clip_sizes, engine_outputs, judge, part_figures

    clips, reference, floors = read_prepared(folder)
    sizes = clip_sizes(clips)
    figures = Figures("engine_gpu", args.json)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    figures.note(f"{args.device} ({name}), torch {torch.__version__}, {len(clips)} clips, {len(floors)} floor seeds")

    # Keypoints: the engine on the device against MediaPipe, judged as verify judges; and against itself on the CPU.
    # The models come from the folder's mediapipe/modules tree: that machine has no mediapipe wheel.
    models_device = Models(args.device, models_dir=folder / "mediapipe")
    on_device = engine_outputs(clips, 4, args.device, models_device)
    on_cpu = engine_outputs(clips, 4, models=Models("cpu", models_dir=folder / "mediapipe"))
    engine_figures = part_figures(on_device, reference, sizes)
    for part, entry in judge(engine_figures, floors).items():
        ours, worst = entry["engine"], entry["floor"]["worst"]
        figures.add(f"engine_gpu.{part}.presence_agreement", ours["presence_agreement"] or 0.0, digits=4)
        figures.add(f"engine_gpu.{part}.mean_px", ours["mean_px"] or 0.0, digits=4)
        figures.add(f"engine_gpu.{part}.p99_px", ours["p99_px"] or 0.0, digits=4)
        figures.note(
            f"{part}: floor worst presence {worst['presence_agreement']}, mean {worst['mean_px']}, p99 "
            f"{worst['p99_px']}: {'within' if entry['passed'] else 'beyond'} verify's limits {entry['beyond']}"
        )
    for part, entry in part_figures(on_device, on_cpu, sizes).items():
        figures.add(f"engine_gpu.{part}.device_vs_cpu_mean_px", entry["mean_px"] or 0.0, digits=4)
        figures.add(f"engine_gpu.{part}.device_vs_cpu_presence", entry["presence_agreement"] or 0.0, digits=4)
    # A video's keypoints depend on that video alone: each clip alone against the batch of 4 above.
    alone = {}
    for name, frames in clips.items():
        alone |= engine_outputs({name: frames}, 1, args.device, models_device)
    differ = [name for name in clips if not all(map(np.array_equal, alone[name], on_device[name]))]
    figures.add("engine_gpu.alone_vs_among_others_identical", len(clips) - len(differ), "videos", f">= {len(clips)}")
    if differ:
        figures.note(f"not bit-identical alone and among others on {args.device}: {', '.join(differ)}")

    # Speed, on the PHOENIX clips (210x260: a batch is as large as its largest frame): each slot runs about two
    # videos, their frames decoded beforehand. These videos are short (22 frames on average, PHOENIX's 115), so
    # the pose detector runs on more of the frames than it will on the dataset.
    phoenix = {name: frames for name, frames in clips.items() if not name.endswith(".mp4")}
    batches = [min(args.batches), max(args.batches)] if args.quick else args.batches
    best = (0.0, batches[0])  # the models ran above: their first calls are behind us
    for batch in batches:
        engine = BatchedHolistic(batch, args.device, models=models_device)
        wall, frames, memory = timed_run(engine, replicated(phoenix, batch), args.device)
        best = max(best, (figures.add(f"engine_gpu.b{batch}.frames_per_second", frames / wall, "frames/s"), batch))
        figures.add(f"engine_gpu.b{batch}.gpu_memory_gib", memory, "GiB")

    # Model chunk sizes, at the largest batch: the padding costs little there, larger chunks run fewer calls.
    # (--quick: none; the batch sizes above ran the default chunk size.)
    for chunk in [] if args.quick else args.chunks:
        engine = BatchedHolistic(
            batches[-1], args.device, models=Models(args.device, chunk_size=chunk, models_dir=folder / "mediapipe")
        )
        list(engine.process_videos(list(phoenix.items())[:1]))  # warm-up: the new models' first calls
        wall, frames, _ = timed_run(engine, replicated(phoenix, batches[-1]), args.device)
        figures.add(f"engine_gpu.b{batches[-1]}.chunk{chunk}.frames_per_second", frames / wall, "frames/s")

    # The feed: PNG folders through the decoder processes and FrameWalk, as the extraction job runs it.
    batch = best[1]
    folders = [folder / "clips" / f"{i}" for i, name in enumerate(clips) if name in phoenix]
    sources = replicated({clip.name: PngFrames(sorted(clip.glob("*.png")), clip.name) for clip in folders}, batch)
    wall = time.perf_counter()
    with FrameDecoders(args.processes) as decoders:
        walks = {key: FrameWalk(source) for key, source in sources}
        videos = ((key, walks[key].rgb_frames(decoded)) for key, decoded in decoders.videos(sources))
        engine = BatchedHolistic(batch, args.device, models=models_device)
        frames = sum(len(keypoints) for _, keypoints, _ in engine.process_videos(videos))
    fed = figures.add(f"engine_gpu.b{batch}.fed_frames_per_second", frames / (time.perf_counter() - wall), "frames/s")
    figures.note(f"decoding included, {args.processes} decoder processes")
    figures.add("engine_gpu.phoenix_minutes_1_gpu", FULL_DATASET_FRAMES / fed / 60, "min", goal="< 10")
    figures.add("engine_gpu.phoenix_minutes_4_gpus", FULL_DATASET_FRAMES / fed / 60 / 4, "min")

    # Where the time goes: torch's profiler over one run at the best batch size.
    activities = [torch.profiler.ProfilerActivity.CPU]
    if args.device.startswith("cuda"):
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as profile:
        list(BatchedHolistic(batch, args.device, models=models_device).process_videos(replicated(phoenix, batch)))
    sort = "self_cuda_time_total" if len(activities) > 1 else "self_cpu_time_total"
    print(profile.key_averages().table(sort_by=sort, row_limit=5 if args.quick else 30), flush=True)
    figures.save()


if __name__ == "__main__":
    main()
