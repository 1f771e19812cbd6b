#!/usr/bin/env python3
"""Check a distributed (sharded) keypoint file against a single-process one, video by video.

Every video of --single must be in --distributed with the same frames, the same presence flags
and keypoints within --atol. Prints the report (JSON); exits 0 if it passed, 1 if not.
Example: python scripts/verify_distributed_results.py --single baseline.pkl \\
             --distributed results/phoenix_keypoints_full.pkl
"""

import argparse
import json

from phoenix_keypoints.atomic import write_json
from phoenix_keypoints.cli import existing_file, run_tool
from phoenix_keypoints.merge import read_merged
from phoenix_keypoints.verify import compare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", required=True, type=existing_file, help="keypoint file of one process")
    parser.add_argument("--distributed", required=True, type=existing_file, help="merged keypoint file to check")
    parser.add_argument("--atol", type=float, default=0.0, help="largest allowed |difference| (default: 0)")
    parser.add_argument("--report", help="also write the report to this JSON file")
    args = parser.parse_args(argv)
    report = compare(read_merged(args.single), read_merged(args.distributed), args.atol)
    print(json.dumps(report, indent=2))
    if args.report:
        write_json(args.report, report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    run_tool(main)
