"""One extraction job: the videos of one shard over a pool of worker processes."""

import logging
import multiprocessing
import os
import socket
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import journal
from .frame_decoders import FrameDecoders
from .frame_folders import video_source
from .frame_sources import video_timing
from .holistic import FrameWalk, HolisticSettings, VideoResult, create_holistic, extract_video
from .progress import format_progress
from .videos import Video

log = logging.getLogger(__name__)

_worker_holistic = None


def _init_worker(settings: HolisticSettings) -> None:
    global _worker_holistic
    _worker_holistic = create_holistic(settings)


def _work(source, on_bad_frame: str) -> VideoResult:
    return extract_video(_worker_holistic, source, on_bad_frame)


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


def video_record(video: Video, result: VideoResult) -> dict:
    """What a shard (and the baseline) stores for one video."""
    times = result.times if result.times is not None else np.full(len(result.references), np.nan)
    fps, variable = video_timing(times, video.fps) if video.is_video_file else (video.fps, False)
    return {
        "split": video.split,
        "video_id": video.video_id,
        "image_paths": result.references,
        "keypoints": result.keypoints,
        "presence": result.presence,
        "bad_frames": result.bad_frames,
        "width": result.width,
        "height": result.height,
        "fps": fps,
        "annotations": video.annotations,
        "frame_times": times,  # a video file's from the container; NaN for PNG frames (the NPZ: index / fps)
        "rotation": video.rotation,
        "vfr": variable,
    }


@dataclass
class Progress:
    """Videos and frames done, rate and ETA, logged as results arrive.

    The ETA leaves out start-up (loading the models, each worker's first video): its rate counts only the
    videos computed after the first one finished, and it says "estimating…" until `in_flight` (the videos
    computed at once) more have finished since."""

    label: str
    total_videos: int
    total_frames: int
    done_videos: int = 0
    done_frames: int = 0
    started: float = 0.0
    in_flight: int = 1
    computed_videos: int = 0  # not reused from the journal
    computed_frames: int = 0
    first_finished: float | None = None  # when the first computed video finished
    first_frames: int = 0  # its frames

    def start(self) -> None:
        self.started = time.time()

    def add(self, frames: int, indexed: int, computed: bool = True) -> None:
        """A video done: its `frames` as decoded, of the `indexed` the total counted (a video file's container
        may miscount them)."""
        now = time.time()
        self.done_videos += 1
        self.done_frames += frames
        self.total_frames += frames - indexed
        if computed:
            self.computed_videos += 1
            self.computed_frames += frames
            if self.first_finished is None:
                self.first_finished, self.first_frames = now, frames
        estimating = self.computed_videos - 1 < self.in_flight  # videos finished since the first
        if estimating or now <= self.first_finished:
            elapsed = now - self.started
            rate = self.computed_frames / elapsed if elapsed > 0 else 0.0
        else:
            rate = (self.computed_frames - self.first_frames) / (now - self.first_finished)
        line = format_progress(
            self.label,
            self.done_videos,
            self.total_videos,
            self.done_frames,
            self.total_frames,
            rate,
            estimating=estimating,
        )
        log.info("%s", line)


def extract_in_process(
    dataset_root: Path,
    videos: list[Video],
    settings: HolisticSettings,
    on_bad_frame: str,
    label: str,
    source_of=video_source,
) -> list[dict]:
    """Every video in this process with one Holistic instance, in order: the baseline, its noise floor (whose
    source_of perturbs the frames) and the standalone tool."""
    progress = Progress(label, len(videos), sum(v.n_frames for v in videos))
    progress.start()
    records = []
    with create_holistic(settings) as holistic:
        for video in videos:
            result = extract_video(holistic, source_of(dataset_root, video), on_bad_frame)
            if result.ending:
                log.warning("%s: %s", video.key, result.ending)
            records.append(video_record(video, result))
            progress.add(len(result.references), video.n_frames)
    return records


def _failure(shard: int, in_flight: dict[Future, Video], err: BaseException) -> Exception:
    names = ", ".join(v.key for v in in_flight.values()) or "none"
    if isinstance(err, BrokenProcessPool):
        return RuntimeError(
            f"shard {shard}: a worker process died (killed, e.g. by the out-of-memory killer) "
            f"while extracting {names}. Finished videos are journaled: rerun the workflow to resume."
        )
    return err


def _extract_in_pool(shard, todo, sources, settings, workers, on_bad_frame, on_done) -> None:
    """Run the videos over `workers` spawned processes, at most one video in flight per worker.

    After a failure the videos still in flight are drained (and journaled by
    on_done) before the error is raised, so a rerun loses as little as possible.
    """
    context = multiprocessing.get_context("spawn")  # MediaPipe runs threads: never fork after them
    with ProcessPoolExecutor(workers, context, initializer=_init_worker, initargs=(settings,)) as pool:
        queue, in_flight, error = list(todo), {}, None
        while queue or in_flight:
            while queue and len(in_flight) < workers and error is None:
                video = queue.pop(0)
                in_flight[pool.submit(_work, sources[video.key], on_bad_frame)] = video
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                video = in_flight.pop(future)
                try:
                    result = future.result()
                except BaseException as err:
                    error = error or _failure(shard, in_flight | {future: video}, err)
                    if isinstance(err, BrokenProcessPool):
                        in_flight.clear()
                    queue.clear()
                    continue
                on_done(video, result)
        if error is not None:
            raise error


def engine_device(device: str) -> str:
    """The torch engine's device: auto is the job's GPU (under its CUDA_VISIBLE_DEVICES) when torch sees one."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def recorded_settings(settings: HolisticSettings, engine: str, torch_engine: dict | None) -> dict:
    """The settings a shard's keypoints depend on, as recorded: for the torch engine also its chunk size and
    device type (runs are bit-identical only where both match; videos_per_batch changes no bit)."""
    if engine != "torch":
        return settings.recorded(engine)
    device = engine_device(torch_engine["device"])  # cpu or cuda
    return settings.recorded(engine, {"chunk_size": torch_engine["chunk_size"], "device": device})


def _extract_with_engine(
    todo, sources, settings: HolisticSettings, torch_engine: dict, threads: int, on_bad_frame: str, on_done
) -> None:
    """The videos through the batched PyTorch engine, videos_per_batch at a time in lock-step, in this process,
    their frames decoded ahead by `threads` decoder processes."""
    import torch

    from .engine.graph import BatchedHolistic
    from .engine.subgraphs import Confidence, Models

    device = engine_device(torch_engine["device"])
    torch.set_num_threads(max(1, threads))
    log.info(
        "torch engine on %s, %d videos per batch, models on chunks of %d crops",
        device,
        torch_engine["videos_per_batch"],
        torch_engine["chunk_size"],
    )
    confidence = Confidence(settings.min_detection_confidence, settings.min_tracking_confidence)
    models = Models(device, chunk_size=torch_engine["chunk_size"], models_dir=torch_engine.get("models"))
    engine = BatchedHolistic(torch_engine["videos_per_batch"], device, models, confidence)
    by_key = {video.key: video for video in todo}
    walks = {video.key: FrameWalk(sources[video.key], on_bad_frame) for video in todo}
    started = time.time()
    with FrameDecoders(threads) as decoders:
        decoded = decoders.videos((video.key, sources[video.key]) for video in todo)
        videos = ((key, walks[key].rgb_frames(frames)) for key, frames in decoded)
        for key, keypoints, presence in engine.process_videos(videos):
            result = walks[key].result(keypoints, presence)
            result.started_at, result.finished_at = started, time.time()
            on_done(by_key[key], result)


def run_shard(
    shard: int,
    videos: list[Video],
    dataset_root: Path,
    settings: HolisticSettings,
    workers: int,
    on_bad_frame: str,
    journal_dir: Path,
    job_started: float,
    engine: str = "mediapipe",
    torch_engine: dict | None = None,
) -> tuple[list[dict], dict]:
    """Extract (or take from the journal) every video of the shard with MediaPipe (on `workers` processes) or
    the torch engine (in this process, fed by `workers` frame decoder processes); records in index order, and stats."""
    settings_dict = recorded_settings(settings, engine, torch_engine) | {"on_bad_frame": on_bad_frame}
    code = journal.code_version(engine)
    sources = {v.key: video_source(dataset_root, v) for v in videos}
    fingerprints = {v.key: journal.fingerprint(settings_dict, sources[v.key], code) for v in videos}
    results: dict[str, VideoResult] = {}
    progress = Progress(f"shard {shard}", len(videos), sum(v.n_frames for v in videos))
    progress.start()
    for video in videos:
        cached = journal.load(journal_dir, video.split, video.video_id, fingerprints[video.key])
        if cached is not None:
            results[video.key] = cached
            progress.add(len(cached.references), video.n_frames, computed=False)
    reused = len(results)
    todo = sorted((v for v in videos if v.key not in results), key=lambda v: -v.n_frames)
    workers = max(1, min(workers, len(todo)))
    progress.in_flight = min(len(todo), torch_engine["videos_per_batch"] if engine == "torch" else workers) or 1
    computed: list[VideoResult] = []

    def on_done(video: Video, result: VideoResult) -> None:
        journal.save(journal_dir, video.split, video.video_id, fingerprints[video.key], result)
        results[video.key] = result
        computed.append(result)
        if result.ending:
            log.warning("%s: %s", video.key, result.ending)
        progress.add(len(result.references), video.n_frames)

    cpu_main_start = time.process_time()
    if todo:
        log.info("shard %d: %d videos to extract with %d workers, %d reused", shard, len(todo), workers, reused)
        if engine == "torch":
            _extract_with_engine(todo, sources, settings, torch_engine, workers, on_bad_frame, on_done)
        else:
            _extract_in_pool(shard, todo, sources, settings, workers, on_bad_frame, on_done)
    finished = time.time()
    first_frame = min((r.started_at for r in computed), default=finished)
    seconds = max((r.finished_at for r in computed), default=finished) - first_frame
    extracted_frames = sum(len(r.references) for r in computed)
    records = [video_record(v, results[v.key]) for v in videos]
    stats = {
        "shard": shard,
        "videos": len(videos),
        "frames": sum(len(r["image_paths"]) for r in records),
        # Decoded frames per video: a video file's count is known only now (merge allocates from these).
        "video_frames": {v.key: len(results[v.key].references) for v in videos},
        "frame_count_notes": {v.key: results[v.key].ending for v in videos if results[v.key].ending},
        "extracted_frames": extracted_frames,
        "reused_videos": reused,
        "bad_frames": sum(len(r["bad_frames"]) for r in records),
        "workers": workers if todo else 0,
        "startup_seconds": round(first_frame - job_started, 3),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(sum(r.cpu_seconds for r in computed) + time.process_time() - cpu_main_start, 3),
        "frames_per_second": round(extracted_frames / seconds, 2) if seconds > 0 else 0.0,
        "engine": engine,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "host": socket.gethostname(),
        "started_at": iso(job_started),
        "finished_at": iso(finished),
    }
    return records, stats
