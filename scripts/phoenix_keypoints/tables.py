"""The index tables: videos.tsv (one row per video) and skipped.tsv."""

import csv
import io
from pathlib import Path

from .atomic import write_text
from .index import Problem, Video

VIDEO_COLUMNS = (
    "split", "video_id", "n_frames", "frames_dir", "speaker", "orth", "translation", "width", "height", "shard",
)  # fmt: skip
SKIPPED_COLUMNS = ("split", "video_id", "path", "reasons")


def _tsv(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_videos(path, videos: list[Video]) -> None:
    rows = (
        [v.split, v.video_id, v.n_frames, v.frames_dir, v.speaker, v.orth, v.translation, v.width, v.height,
         "" if v.shard is None else v.shard]
        for v in videos
    )  # fmt: skip
    write_text(path, _tsv(VIDEO_COLUMNS, rows))


def read_videos(path) -> list[Video]:
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter="\t")
        return [
            Video(
                split=row["split"],
                video_id=row["video_id"],
                n_frames=int(row["n_frames"]),
                frames_dir=row["frames_dir"],
                speaker=row["speaker"],
                orth=row["orth"],
                translation=row["translation"],
                width=int(row["width"]),
                height=int(row["height"]),
                shard=int(row["shard"]) if row["shard"] else None,
            )
            for row in reader
        ]


def write_skipped(path, problems: list[Problem]) -> None:
    """One row per video left out, with all its reasons."""
    reasons: dict[tuple[str, str, str], list[str]] = {}
    for p in problems:
        reasons.setdefault((p.split, p.video_id, p.path), []).append(p.reason)
    write_text(path, _tsv(SKIPPED_COLUMNS, ([*key, "; ".join(found)] for key, found in reasons.items())))


def videos_of_shard(path: str | Path, shard: int) -> list[Video]:
    return [v for v in read_videos(path) if v.shard == shard]
