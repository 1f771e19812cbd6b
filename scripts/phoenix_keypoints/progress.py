"""How far an extraction run has come: videos and frames done per split, rate and ETA.

Read from the files a run leaves while it goes, without unpickling them: the index
(index/videos.tsv), one journal entry per finished video (journal/<split>/<video>.pkl,
its modification time says when the video finished) and one stats file per
finished shard (shards/shard_N.json). A journal entry left from an earlier run with
other settings counts as done until its shard runs again and replaces it.

A video file's frames are counted as decoded once its shard has finished (its stats say so); until
then by its container, which may miscount them (the report says how many such counts are left).
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import journal
from .errors import InputError
from .resume import running_snakemake
from .tables import read_videos

# Videos that finished within this many seconds before the newest one give the current rate.
RATE_WINDOW_SECONDS = 600.0


def format_duration(seconds: float) -> str:
    """3725 -> '1h02m05s'; short enough for a log line, readable for a 13-hour run."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def format_progress(
    label: str,
    done_videos: int,
    total_videos: int,
    done_frames: int,
    total_frames: int,
    rate: float | None,
    stopped: bool = False,
    estimating: bool = False,
) -> str:
    """The progress line of the extraction logs and of `phoenix-keypoints progress` (estimating: too little is
    done past start-up for a rate)."""
    left = total_frames - done_frames
    if left <= 0:
        eta = "done"
    elif stopped:
        eta = "none, the run stopped"
    elif estimating:
        eta = "estimating…"
    elif rate:
        eta = format_duration(left / rate)
    else:
        eta = "?"
    rate_text = "?" if rate is None else f"{rate:.1f}"
    return (
        f"{label}: {done_videos}/{total_videos} videos, {done_frames}/{total_frames} frames, "
        f"{rate_text} frames/s, ETA {eta}"
    )


@dataclass
class Count:
    total_videos: int = 0
    total_frames: int = 0
    done_videos: int = 0
    done_frames: int = 0
    recent_frames: int = 0  # frames of the videos that count towards the current rate
    container_counted: int = 0  # video files whose frames are counted by their container, not yet decoded

    def line(self, label: str, rate_seconds: float | None, stopped: bool) -> str:
        rate = self.recent_frames / rate_seconds if rate_seconds else None
        return format_progress(
            label, self.done_videos, self.total_videos, self.done_frames, self.total_frames, rate, stopped
        )


@dataclass
class RunProgress:
    results: Path
    splits: dict[str, Count]
    total: Count
    rate_seconds: float | None  # span of the videos that give the current rate; None: too few yet
    newest_finished: float | None  # modification time of the newest journal entry
    shard_stats: list[dict] = field(default_factory=list)
    shards_with_videos: set[int] = field(default_factory=set)
    running: bool = True  # a Snakemake run works in the folder that holds the results

    def report(self, now: float) -> str:
        stopped = not self.running and self.total.done_frames < self.total.total_frames
        lines = [f"{self.results}: {self.total.total_videos} videos, {self.total.total_frames} frames indexed"]
        if self.total.container_counted:
            lines.append(
                f"{self.total.container_counted} video files are counted by their container's frame count until "
                "their shard finishes (the other counts are decoded frames)"
            )
        lines += [count.line(split, self.rate_seconds, stopped) for split, count in self.splits.items()]
        lines.append(self.total.line("all", self.rate_seconds, stopped))
        if stopped:
            lines.append(
                f"the run stopped: no Snakemake works in {self.results.resolve().parent}. "
                "`make resume` (or `phoenix-keypoints resume` with the run's arguments) finishes it."
            )
        if self.newest_finished is not None:
            lines.append(f"newest video finished {format_duration(max(0.0, now - self.newest_finished))} ago")
        lines.append(shard_summary(self.shard_stats, self.shards_with_videos))
        return "\n".join(lines)


def shard_summary(stats: list[dict], shards_with_videos: set[int]) -> str:
    """Finished shards and, once there are some, their extraction figures."""
    done = len(shards_with_videos & {s["shard"] for s in stats})
    text = f"{done}/{len(shards_with_videos)} shards with videos finished"
    if not stats:
        return text
    extracted = sum(s["extracted_frames"] for s in stats)
    cpu = sum(s["cpu_seconds"] for s in stats)
    started = min(datetime.fromisoformat(s["started_at"]) for s in stats)
    finished = max(datetime.fromisoformat(s["finished_at"]) for s in stats)
    wall = (finished - started).total_seconds()
    rate = f", {extracted / wall:.1f} frames/s" if wall > 0 else ""
    reused = sum(s["reused_videos"] for s in stats)
    return (
        f"{text}: {extracted} frames extracted in {format_duration(wall)} wall{rate}, "
        f"{cpu:.0f} CPU-seconds, {reused} videos reused from the journal"
    )


def read_shard_stats(results: Path) -> list[dict]:
    """The stats of every finished shard, by shard number."""
    paths = sorted((results / "shards").glob("shard_*.json"), key=lambda p: int(p.stem.split("_")[1]))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def _recent(finished: dict[str, float], window: float) -> tuple[set[str], float | None]:
    """Videos that finished within `window` before the newest, less the first of them (it started earlier)."""
    if not finished:
        return set(), None
    newest = max(finished.values())
    recent = sorted((t, key) for key, t in finished.items() if t >= newest - window)
    if len(recent) < 2 or newest <= recent[0][0]:
        return set(), None
    return {key for _, key in recent[1:]}, newest - recent[0][0]


def read_progress(results: str | Path, window: float = RATE_WINDOW_SECONDS) -> RunProgress:
    """The progress of the run whose outputs are under `results` (during or after the run)."""
    results = Path(results)
    if not results.is_dir():
        raise InputError(
            f"no results folder at {results}: nothing has run here yet.\n"
            "Fix: start the workflow (make run, or snakemake --cores 8 --resources gpu=4) in the folder "
            "that holds results/, or pass that results folder to this command."
        )
    index_path = results / "index" / "videos.tsv"
    if not index_path.is_file():
        raise InputError(
            f"{results} has no index/videos.tsv yet: the run has not indexed the dataset "
            "(the first step, which takes seconds to minutes).\n"
            "Fix: wait for the index, or start the workflow if it is not running."
        )
    videos = read_videos(index_path)
    with_videos = {v.shard for v in videos if v.shard is not None}
    # Shards without videos, or left from a run with more shards, say nothing about this run.
    stats = [s for s in read_shard_stats(results) if s["shard"] in with_videos]
    finished_shards = {s["shard"] for s in stats}
    decoded: dict[str, int] = {}  # frames per video as decoded, from the finished shards
    for shard_stats in stats:
        decoded |= shard_stats.get("video_frames", {})
    finished: dict[str, float] = {}
    for video in videos:
        try:
            finished[video.key] = journal.entry_path(results / "journal", video.split, video.video_id).stat().st_mtime
        except FileNotFoundError:
            continue
    recent, rate_seconds = _recent(finished, window)
    splits: dict[str, Count] = {}
    total = Count()
    for video in videos:
        frames = decoded.get(video.key, video.n_frames)
        for count in (splits.setdefault(video.split, Count()), total):
            count.total_videos += 1
            count.total_frames += frames
            count.container_counted += video.is_video_file and video.key not in decoded
            if video.key in finished or video.shard in finished_shards:
                count.done_videos += 1
                count.done_frames += frames
            if video.key in recent:
                count.recent_frames += frames
    newest = max(finished.values(), default=None)
    running = bool(running_snakemake(results.resolve().parent))
    return RunProgress(results, splits, total, rate_seconds, newest, stats, with_videos, running)
