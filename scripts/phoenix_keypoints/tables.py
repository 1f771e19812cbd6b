"""The index tables: videos.tsv (one row per video) and skipped.tsv."""

import csv
import io
from pathlib import Path

from .atomic import write_text
from .videos import Problem, Video

# Then the corpus columns each video carries (PHOENIX: speaker, orth, translation; a manifest: its own).
VIDEO_COLUMNS = (
    "split",
    "video_id",
    "n_frames",
    "source",
    "width",
    "height",
    "fps",
    "start",
    "end",
    "shard",
    "rotation",
    "start_time",
    "end_time",
)
SKIPPED_COLUMNS = ("split", "video_id", "path", "reasons")


def _tsv(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _blank_if_none(value) -> str:
    return "" if value is None else str(value)


def write_videos(path, videos: list[Video]) -> None:
    annotations = list(videos[0].annotations) if videos else []
    rows = (
        [
            v.split,
            v.video_id,
            v.n_frames,
            v.source,
            v.width,
            v.height,
            f"{v.fps:g}",
            v.start,
            _blank_if_none(v.end),
            _blank_if_none(v.shard),
            v.rotation,
            _blank_if_none(v.start_time),
            _blank_if_none(v.end_time),
            *(v.annotations[column] for column in annotations),
        ]
        for v in videos
    )
    write_text(path, _tsv(VIDEO_COLUMNS + tuple(annotations), rows))


def read_videos(path) -> list[Video]:
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter="\t")
        annotations = [column for column in reader.fieldnames or [] if column not in VIDEO_COLUMNS]
        return [
            Video(
                split=row["split"],
                video_id=row["video_id"],
                n_frames=int(row["n_frames"]),
                source=row["source"],
                annotations={column: row[column] for column in annotations},
                width=int(row["width"]),
                height=int(row["height"]),
                fps=float(row["fps"]),
                start=int(row["start"]),
                end=int(row["end"]) if row["end"] else None,
                shard=int(row["shard"]) if row["shard"] else None,
                rotation=int(row["rotation"]),
                start_time=float(row["start_time"]) if row["start_time"] else None,
                end_time=float(row["end_time"]) if row["end_time"] else None,
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
