#!/usr/bin/env python3
"""Merge shard files (results/shards/shard_N.pkl) into one keypoint file, every video once.

With --index (results/index/videos.tsv) every indexed frame must be there exactly once and the
videos come in index order; without it, a video found twice is still refused, but a missing one
cannot be noticed, and the videos come in the order of the input files.
Example: python scripts/merge_keypoint_results.py --input_files results/shards/shard_*.pkl \\
             --index results/index/videos.tsv --output_path merged.pkl
"""

import argparse

from phoenix_keypoints.cli import existing_file, run_tool
from phoenix_keypoints.merge import check_complete, check_unique, merge_records, read_shard_files, write_merged
from phoenix_keypoints.tables import read_videos


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input_files", nargs="+", required=True, type=existing_file, help="shard files to merge")
    parser.add_argument("--output_path", required=True, help="the merged keypoint file to write (.pkl)")
    parser.add_argument("--index", type=existing_file, help="videos.tsv of the run, to check completeness")
    parser.add_argument("--splits", nargs="+", help="splits, in order (default: as found)")
    args = parser.parse_args(argv)
    sourced, settings = read_shard_files(args.input_files)
    if args.index:
        index = read_videos(args.index)
        records = check_complete(index, sourced)
        default_splits = [v.split for v in index]
    else:
        records = check_unique(sourced)
        default_splits = [r["split"] for r in records]
    merged = merge_records(records, args.splits or list(dict.fromkeys(default_splits)), settings)
    write_merged(args.output_path, merged)


if __name__ == "__main__":
    run_tool(main)
