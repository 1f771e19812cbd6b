#!/usr/bin/env python3
"""Extract MediaPipe Holistic keypoints from a PHOENIX-2014-T release in one process.

Writes the same merged file as the workflow's results/phoenix_keypoints_full.pkl. For the
whole dataset use the workflow (make run, or snakemake): it shards, resumes and verifies.
Example: python scripts/extract_keypoints.py --dataset_path /data/PHOENIX-2014-T-release-v3/PHOENIX-2014-T \\
             --output_path keypoints.pkl --max_samples_per_split 10
"""

import argparse
from pathlib import Path

from phoenix_keypoints.cli import positive_int, run_tool
from phoenix_keypoints.extract import extract_in_process
from phoenix_keypoints.holistic import BAD_FRAME_POLICIES, HolisticSettings
from phoenix_keypoints.index import DatasetLayout, select_videos
from phoenix_keypoints.merge import merge_records, write_merged

DEFAULTS = DatasetLayout(Path("."))
HOLISTIC = HolisticSettings()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset_path", required=True, help="root of the release (holds annotations/, features/)")
    parser.add_argument("--output_path", required=True, help="the keypoint file to write (.pkl)")
    parser.add_argument("--max_samples_per_split", type=positive_int, help="only the first N videos of each split")
    parser.add_argument("--splits", nargs="+", default=["train", "dev", "test"], help="default: train dev test")
    parser.add_argument("--annotations_subdir", default=DEFAULTS.annotations_subdir, help="default: %(default)s")
    parser.add_argument("--frames_subdir", default=DEFAULTS.frames_subdir, help="default: %(default)s")
    parser.add_argument("--on_bad_video", choices=("fail", "skip"), default="fail", help="default: %(default)s")
    parser.add_argument("--on_bad_frame", choices=BAD_FRAME_POLICIES, default="fail", help="default: %(default)s")
    parser.add_argument("--model_complexity", type=int, choices=(0, 1, 2), default=HOLISTIC.model_complexity)
    parser.add_argument("--static_image_mode", action="store_true", help="detect in every frame, no tracking")
    parser.add_argument("--refine_face_landmarks", action="store_true")
    parser.add_argument("--min_detection_confidence", type=float, default=HOLISTIC.min_detection_confidence)
    parser.add_argument("--min_tracking_confidence", type=float, default=HOLISTIC.min_tracking_confidence)
    args = parser.parse_args(argv)
    layout = DatasetLayout(Path(args.dataset_path), args.annotations_subdir, args.frames_subdir)
    settings = HolisticSettings(
        args.static_image_mode,
        args.model_complexity,
        args.refine_face_landmarks,
        args.min_detection_confidence,
        args.min_tracking_confidence,
    )
    videos, _ = select_videos(layout, args.splits, args.on_bad_video, args.max_samples_per_split)
    records = extract_in_process(layout.root, videos, settings, args.on_bad_frame, "extract")
    merged = merge_records(records, args.splits, settings.as_dict())
    write_merged(args.output_path, merged)


if __name__ == "__main__":
    run_tool(main)
