"""Datasets for the benchmarks, in the PHOENIX-2014-T layout.

    python benchmarks/make_dataset.py copies DEST --copies 18   # the sample's videos under new names (~2,000 frames)
    python benchmarks/make_dataset.py real-scale DEST           # 947,756 hard links named as the real release

The real-scale tree takes its CSVs and frame counts from ../shared/data/phoenix-2014-t-annotations and links
every frame to one of the sample's PNGs, cycling over all of them (ext4 allows 65,000 links per file).
"""

import argparse
import csv
import itertools
import os
import shutil
import sys
import time
from pathlib import Path

from phoenix_keypoints.testing import SAMPLE, SHARED_DATA

ANNOTATIONS = SHARED_DATA / "phoenix-2014-t-annotations"
SPLITS = ("train", "dev", "test")
CSV_NAME = "PHOENIX-2014-T.{split}.corpus.csv"
CSV_DIR = Path("annotations/manual")
FRAMES_DIR = Path("features/fullFrame-210x260px")
MAX_LINKS_PER_FILE = 65_000


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="|", quoting=csv.QUOTE_NONE))
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter="|", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def copy_sample(destination: Path, copies: int) -> int:
    """The sample's videos `copies` times, as <name>-copy<k>, with their CSV rows. Returns the frame count."""
    frames = 0
    for split in SPLITS:
        header, rows = _read_csv(SAMPLE / CSV_DIR / CSV_NAME.format(split=split))
        copied = []
        for copy, row in itertools.product(range(copies), rows):
            name = f"{row[0]}-copy{copy}"
            source = SAMPLE / FRAMES_DIR / split / row[0]
            shutil.copytree(source, destination / FRAMES_DIR / split / name)
            frames += sum(1 for _ in source.iterdir())
            copied.append([name, f"{name}/1/*.png", *row[2:]])
        _write_csv(destination / CSV_DIR / CSV_NAME.format(split=split), header, copied)
    return frames


def sample_frames() -> list[Path]:
    return sorted(SAMPLE.joinpath(FRAMES_DIR).glob("*/*/*.png"))


def link_real_scale(destination: Path, annotations: Path = ANNOTATIONS, videos_per_split: int | None = None) -> int:
    """The real release's CSVs and frame counts as hard links to the sample's frames. Returns the frame count.

    The sample's PNGs are first copied into destination/sources, so that no file of the repository gets links.
    """
    counts: dict[tuple[str, str], int] = {}
    with open(annotations / "frame_counts.tsv", encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            counts[row["split"], row["name"]] = int(row["num_frames"])
    selected = {}
    for split in SPLITS:
        header, rows = _read_csv(annotations / CSV_NAME.format(split=split))
        selected[split] = (header, rows[:videos_per_split] if videos_per_split is not None else rows)
    frames = sum(counts[split, row[0]] for split, (_, rows) in selected.items() for row in rows)
    sources = sample_frames()
    if frames > len(sources) * MAX_LINKS_PER_FILE:
        raise SystemExit(f"{frames} frames need more than {MAX_LINKS_PER_FILE} links to each of {len(sources)} files")
    sources_dir = destination / "sources"
    sources_dir.mkdir(parents=True)
    sources = [Path(shutil.copy2(path, sources_dir / f"{i:03d}.png")) for i, path in enumerate(sources)]
    dataset = destination / "PHOENIX-2014-T"
    cycle = itertools.cycle(sources)
    for split, (header, rows) in selected.items():
        _write_csv(dataset / CSV_DIR / CSV_NAME.format(split=split), header, rows)
        for row in rows:
            folder = dataset / FRAMES_DIR / split / row[0]
            folder.mkdir(parents=True)
            for number in range(1, counts[split, row[0]] + 1):
                os.link(next(cycle), folder / f"images{number:04d}.png")
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    copies = commands.add_parser("copies", help="the sample's videos under new names")
    copies.add_argument("destination", type=Path)
    copies.add_argument("--copies", type=int, default=18)
    real = commands.add_parser("real-scale", help="hard links named as the real release")
    real.add_argument("destination", type=Path)
    real.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    real.add_argument("--videos-per-split", type=int, help="only the first N videos of each split")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.command == "copies":
        frames = copy_sample(args.destination, args.copies)
        root = args.destination
    else:
        frames = link_real_scale(args.destination, args.annotations, args.videos_per_split)
        root = args.destination / "PHOENIX-2014-T"
    print(f"{frames} frames in {root} ({time.perf_counter() - started:.1f} s); use --config dataset_path={root}")


if __name__ == "__main__":
    sys.exit(main())
