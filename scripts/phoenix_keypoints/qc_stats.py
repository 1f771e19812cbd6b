"""Quality-control figures: detection rates per split and part, hand presence per video, shard statistics."""

from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path, write_text
from .keypoint_sets import video_slices
from .layout import PART_NAMES
from .run_summary import plural

HANDS = ("left_hand", "right_hand")


def detection_rates(presence_by_split: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per split and part: frames, frames with the part detected, and their ratio."""
    rows = []
    for split, presence in presence_by_split.items():
        for part_index, part in enumerate(PART_NAMES):
            detected = int(presence[:, part_index].sum())
            frames = len(presence)
            rows.append(
                {
                    "split": split,
                    "part": part,
                    "frames": frames,
                    "detected": detected,
                    "rate": detected / frames if frames else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["split", "part", "frames", "detected", "rate"])


def hand_presence(split: str, arrays) -> pd.DataFrame:
    """One row per video: the share of its frames with the left, the right, and either hand detected."""
    left, right = (arrays["presence"][:, PART_NAMES.index(hand)] for hand in HANDS)
    rows = []
    for name, rows_of_video in video_slices(arrays).items():
        rows.append(
            {
                "split": split,
                "video_id": name,
                "frames": rows_of_video.stop - rows_of_video.start,
                "left_hand": float(left[rows_of_video].mean()),
                "right_hand": float(right[rows_of_video].mean()),
                "either_hand": float((left | right)[rows_of_video].mean()),
            }
        )
    return pd.DataFrame(rows, columns=["split", "video_id", "frames", "left_hand", "right_hand", "either_hand"])


def shard_table(stats: list[dict]) -> pd.DataFrame:
    """The extraction jobs' own figures, one row per shard."""
    columns = [
        "shard",
        "videos",
        "frames",
        "extracted_frames",
        "reused_videos",
        "bad_frames",
        "workers",
        "startup_seconds",
        "seconds",
        "cpu_seconds",
        "frames_per_second",
        "cuda_visible_devices",
        "host",
        "started_at",
        "finished_at",
    ]
    return pd.DataFrame([{c: s.get(c) for c in columns} for s in stats], columns=columns)


def write_tsv(path: str | Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(sep="\t", index=False, float_format="%.4f"))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: str | Path) -> None:
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=100, bbox_inches="tight")


def plot_detection_rates(rates: pd.DataFrame, path: str | Path) -> None:
    """Grouped bars: for each part, the share of frames with it detected, one bar per split."""
    plt = _pyplot()
    splits = list(dict.fromkeys(rates["split"]))
    figure, axes = plt.subplots(figsize=(7, 3.5), layout="constrained")
    width = 0.8 / max(1, len(splits))
    for i, split in enumerate(splits):
        rows = rates[rates["split"] == split].set_index("part").reindex(PART_NAMES)
        positions = np.arange(len(PART_NAMES)) + (i - (len(splits) - 1) / 2) * width
        bars = axes.bar(positions, rows["rate"], width, label=f"{split} ({int(rows['frames'].iloc[0])} frames)")
        axes.bar_label(bars, labels=[f"{r:.0%}" if r == r else "" for r in rows["rate"]], fontsize=7)
    axes.set_xticks(np.arange(len(PART_NAMES)), [p.replace("_", " ") for p in PART_NAMES])
    axes.set_ylim(0, 1.25)
    axes.set_ylabel("frames with the part detected")
    axes.set_title("MediaPipe Holistic detection rate per split and part")
    axes.legend(fontsize=8, loc="upper center", ncols=len(splits))
    _save(figure, path)
    plt.close(figure)


def plot_hand_presence(presence: pd.DataFrame, path: str | Path) -> None:
    """Histograms, one panel per split: how many videos have each share of frames with a hand."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    splits = list(dict.fromkeys(presence["split"]))
    panels = max(1, len(splits))
    figure, axes = plt.subplots(1, panels, figsize=(3.2 * panels, 3.2), squeeze=False, layout="constrained")
    bins = np.linspace(0, 1, 11)
    for axis, split in zip(axes[0], splits, strict=False):
        videos = presence[presence["split"] == split]
        series = [videos[column] for column in ("left_hand", "right_hand", "either_hand")]
        axis.hist(series, bins=bins, label=["left hand", "right hand", "either hand"])
        axis.set_title(f"{split} ({plural(len(videos), 'video')})")
        axis.set_xlabel("share of the video's frames")
        axis.set_xlim(0, 1)
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set_ylabel("videos")
    axes[0][0].legend(fontsize=7)
    figure.suptitle("Hand presence per video")
    _save(figure, path)
    plt.close(figure)
