#!/usr/bin/env python3
"""Show how far an extraction run has come: per split, videos and frames done, rate and ETA.

Works while the workflow runs and after it, from the files the run writes under results/.
Example: python scripts/check_extraction_progress.py results
"""

import argparse
import time

from phoenix_keypoints.cli import run_tool
from phoenix_keypoints.progress import RATE_WINDOW_SECONDS, read_progress


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", default="results", help="the run's results folder (default: results)")
    parser.add_argument(
        "--window",
        type=float,
        default=RATE_WINDOW_SECONDS,
        help="seconds of finished videos, before the newest, that give the current rate (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    print(read_progress(args.results, args.window).report(time.time()))


if __name__ == "__main__":
    run_tool(main)
