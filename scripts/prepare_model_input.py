#!/usr/bin/env python3
"""Write one NPZ per split ({split}_keypoints.npz) from a merged keypoint file, for model training.

Example: python scripts/prepare_model_input.py --keypoints_file results/phoenix_keypoints_full.pkl \\
             --output_dir model_input_data
"""

import argparse
import logging

from phoenix_keypoints.cli import existing_file, run_tool
from phoenix_keypoints.merge import read_merged
from phoenix_keypoints.model_input import npz_path, write_split_npz

log = logging.getLogger("prepare_model_input")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keypoints_file", required=True, type=existing_file, help="merged keypoint file (.pkl)")
    parser.add_argument("--output_dir", required=True, help="folder for the NPZ files")
    parser.add_argument("--splits", nargs="+", help="splits to write (default: all in the file)")
    args = parser.parse_args(argv)
    merged = read_merged(args.keypoints_file)
    for split in args.splits or list(merged):
        path = npz_path(args.output_dir, split)
        arrays = write_split_npz(merged, split, path)
        log.info("%s: %s %s -> %s", split, arrays["keypoints"].shape, arrays["keypoints"].dtype, path)


if __name__ == "__main__":
    run_tool(main)
