"""`phoenix-keypoints`: the workflow's stages as one command, for use outside Snakemake.

Each subcommand calls the same stage function as the Snakemake rule (phoenix_keypoints.stages).
Wrong or missing arguments: the usage and the problem, exit status 2.
Bad input files: the error says which file and what to do, exit status 1.
"""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from . import stages
from .errors import InputError
from .frame_sources import VIDEO_ROTATION_SETTINGS
from .holistic import BAD_FRAME_POLICIES, HolisticSettings
from .progress import RATE_WINDOW_SECONDS, read_progress
from .resume import resume
from .runlog import FORMAT
from .verify import FloorLimits, VerificationFailed
from .videos import DatasetPaths

HOLISTIC = HolisticSettings()
EXAMPLES = """examples:
  phoenix-keypoints extract --dataset_path /data/PHOENIX-2014-T-release-v3/PHOENIX-2014-T --output_path keypoints.pkl
  phoenix-keypoints merge --input_files results/shards/shard_*.pkl --index results/index/videos.tsv \\
      --stats results/shards/shard_*.json --output_path merged.pkl
  phoenix-keypoints verify --single baseline.pkl --distributed results/model_input_data
  phoenix-keypoints verify --single results/verify/baseline --distributed results/model_input_data \\
      --floor results/verify/floor/seed*
  phoenix-keypoints prepare --keypoints_file results/phoenix_keypoints_full.pkl --output_dir model_input_data
  phoenix-keypoints export-pose --keypoints_file results/model_input_data --output_dir poses
  phoenix-keypoints manifest /data/wlasl/videos --output /data/wlasl/videos.tsv
  phoenix-keypoints progress results
  phoenix-keypoints resume --cores 8 --resources gpu=4
"""
RESUME_FORWARDED = """Every option is passed on to both Snakemake commands as it is; those a run usually needs:
  --cores N                 CPU cores to use (make resume: CORES=N)
  --resources gpu=N         GPU slots (make resume: GPUS=N); a target goes before it
  --config KEY=VALUE ...    settings, as for the run (results/settings.yaml keeps those it chose)
  --directory DIR           the run's working folder (default: the current one)
  --profile DIR             a profile, e.g. profiles/slurm for a SLURM cluster
  TARGET                    a rule to finish, e.g. export_pose (default: the whole workflow)

examples:
  phoenix-keypoints resume --cores 8 --resources gpu=4
  phoenix-keypoints resume export_pose --cores 8 --resources gpu=4 --directory /scratch/run1
"""
KEYPOINTS_HELP = "a folder of {split}_keypoints.npz files (results/merged, results/model_input_data) or a .pkl file"


def existing_path(value: str) -> Path:
    """An argparse type: a path that must exist (a file, or a folder of NPZ files)."""
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {value}")
    return path


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def run_extract(args) -> int:
    settings = HolisticSettings(
        static_image_mode=args.static_image_mode,
        model_complexity=args.model_complexity,
        refine_face_landmarks=args.refine_face_landmarks,
        min_detection_confidence=args.min_detection_confidence,
        min_tracking_confidence=args.min_tracking_confidence,
    )
    if args.video:
        stages.extract_one_video(
            video=args.video, settings=settings, on_bad_frame=args.on_bad_frame, output_path=args.output_path
        )
        return 0
    stages.extract_dataset(
        dataset_path=args.dataset_path, annotations_subdir=args.annotations_subdir, frames_subdir=args.frames_subdir,
        manifest=args.manifest, splits=args.splits, max_samples_per_split=args.max_samples_per_split,
        video_rotation=args.video_rotation, on_bad_video=args.on_bad_video, settings=settings,
        on_bad_frame=args.on_bad_frame, output_path=args.output_path,
    )  # fmt: skip
    return 0


def run_manifest(args) -> int:
    stages.manifest(root=args.root, output=args.output, split=args.split)
    return 0


def run_merge(args) -> int:
    stages.merge(
        shards=args.input_files,
        npz_dir=args.output_dir,
        splits=args.splits,
        videos=args.index,
        seed_pickle=args.output_path,
        stats=args.stats,
    )
    return 0


def run_verify(args) -> int:
    limits = {key: getattr(args, key) for key in ("floor_factor", "floor_margin_px", "presence_margin")}
    try:
        report = stages.verify(
            baseline=args.single,
            merged=args.distributed,
            atol=args.atol,
            verification=args.report,
            floors=args.floor,
            floor_limits=limits,
        )
    except VerificationFailed as failed:
        print(json.dumps(failed.report, indent=2))
        print(f"verify failed: {failed}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


def run_prepare(args) -> int:
    stages.prepare(keypoints=args.keypoints_file, npz_dir=args.output_dir, splits=args.splits)
    return 0


def run_export_pose(args) -> int:
    stages.export_pose(keypoints=args.keypoints_file, poses=args.output_dir, fps=args.fps)
    return 0


def run_progress(args) -> int:
    print(read_progress(args.results, args.window).report(time.time()))
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="phoenix-keypoints",
        description=__doc__,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run, parser=sub)
        return sub

    extract = command(
        "extract",
        run_extract,
        "Extract the keypoints of a release, of the videos a manifest lists, or of one video file or frame folder, "
        "in one process (no shards, no journal), into one .pkl file of per-frame dicts, as "
        "results/phoenix_keypoints_full.pkl. For a whole dataset use the workflow: it shards, resumes and verifies.",
    )
    source = extract.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset_path", help="root of a PHOENIX-2014-T release (holds annotations/, features/)")
    source.add_argument("--manifest", help="a manifest of video files and frame folders (split, video_id, path, ...)")
    source.add_argument(
        "--video",
        type=existing_path,
        help=f"one video file or folder of PNG frames: split {stages.SINGLE_VIDEO_SPLIT!r}, its name as video_id",
    )
    extract.add_argument("--output_path", required=True, help="the keypoint file to write (.pkl)")
    extract.add_argument("--max_samples_per_split", type=positive_int, help="only the first N videos of each split")
    extract.add_argument("--splits", nargs="+", default=["train", "dev", "test"], help="default: train dev test")
    extract.add_argument("--annotations_subdir", default=DatasetPaths.annotations_subdir, help="default: %(default)s")
    extract.add_argument("--frames_subdir", default=DatasetPaths.frames_subdir, help="default: %(default)s")
    extract.add_argument("--on_bad_video", choices=("fail", "skip"), default="fail", help="default: %(default)s")
    extract.add_argument("--on_bad_frame", choices=BAD_FRAME_POLICIES, default="fail", help="default: %(default)s")
    extract.add_argument(
        "--video_rotation",
        choices=VIDEO_ROTATION_SETTINGS,
        default="auto",
        help="auto: video files upright as players show them; ignore: as stored",
    )
    extract.add_argument("--model_complexity", type=int, choices=(0, 1, 2), default=HOLISTIC.model_complexity)
    extract.add_argument("--static_image_mode", action="store_true", help="detect in every frame, no tracking")
    extract.add_argument("--refine_face_landmarks", action="store_true")
    extract.add_argument("--min_detection_confidence", type=float, default=HOLISTIC.min_detection_confidence)
    extract.add_argument("--min_tracking_confidence", type=float, default=HOLISTIC.min_tracking_confidence)

    manifest = command(
        "manifest",
        run_manifest,
        "Write a manifest (split, video_id, path) of the video files in ROOT/<split>/ (or, with --split, in ROOT), "
        "for --config manifest=OUTPUT. Add columns (gloss, translation, signer, start, end) as the dataset needs.",
    )
    manifest.add_argument("root", help="the folder that holds one folder of videos per split")
    manifest.add_argument("--output", required=True, help="the manifest to write (.tsv)")
    manifest.add_argument("--split", help="ROOT holds the videos of this one split")

    merge = command(
        "merge",
        run_merge,
        "Merge shard files (results/shards/shard_N.pkl), every video once. With --index (results/index/videos.tsv) "
        "and --stats (the shards' shard_N.json) every indexed frame must be there exactly once and the videos come "
        "in index order; without them, a video found twice is still refused, but a missing one cannot be noticed.",
    )
    merge.add_argument("--input_files", nargs="+", required=True, type=existing_path, help="shard files to merge")
    merge.add_argument("--output_path", required=True, help="the merged keypoint file to write (.pkl)")
    merge.add_argument("--output_dir", help="also write the keypoints as {split}_keypoints.npz files in this folder")
    merge.add_argument("--index", type=existing_path, help="videos.tsv of the run, to check completeness")
    merge.add_argument(
        "--stats",
        nargs="+",
        type=existing_path,
        help="with --index: the shards' stats (results/shards/shard_N.json), their videos' decoded frame counts",
    )
    merge.add_argument("--splits", nargs="+", help="splits, in order (default: those of the index or the inputs)")

    verify = command(
        "verify",
        run_verify,
        "Check distributed (sharded) keypoints against single-process ones, video by video: every video of --single "
        "must be in --distributed with the same frames, the same presence flags and keypoints within --atol. "
        "Prints the report (JSON); exits 0 if it passed, 1 if not.",
    )
    verify.add_argument(
        "--single", required=True, type=existing_path, help=f"single-process keypoints: {KEYPOINTS_HELP}"
    )
    verify.add_argument(
        "--distributed", required=True, type=existing_path, help=f"keypoints to check: {KEYPOINTS_HELP}"
    )
    verify.add_argument("--atol", type=float, default=0.0, help="largest allowed |difference| (default: 0)")
    verify.add_argument("--report", help="also write the report to this JSON file")
    limits = FloorLimits()
    verify.add_argument(
        "--floor",
        nargs="+",
        type=existing_path,
        help="engine torch: MediaPipe's noise floor, one folder of {split}_keypoints.npz per seed "
        "(results/verify/floor/seed*); --distributed must then stay per part within that noise, not --atol",
    )
    verify.add_argument(
        "--floor_factor",
        type=float,
        default=limits.floor_factor,
        help=f"with --floor: allowed multiple of the floor's largest mean, p99 error (default {limits.floor_factor})",
    )
    verify.add_argument(
        "--floor_margin_px",
        type=float,
        default=limits.floor_margin_px,
        help=f"with --floor: pixels allowed beyond that (default {limits.floor_margin_px})",
    )
    verify.add_argument(
        "--presence_margin",
        type=float,
        default=limits.presence_margin,
        help=f"with --floor: presence agreement allowed below the floor's lowest (default {limits.presence_margin})",
    )

    prepare = command("prepare", run_prepare, "Write one NPZ per split ({split}_keypoints.npz) for model training.")
    prepare.add_argument("--keypoints_file", required=True, type=existing_path, help=KEYPOINTS_HELP)
    prepare.add_argument("--output_dir", required=True, help="folder for the NPZ files")
    prepare.add_argument("--splits", nargs="+", help="splits to write (default: all there are)")

    export = command("export-pose", run_export_pose, "Write one .pose file (pose-format) per video.")
    export.add_argument("--keypoints_file", required=True, type=existing_path, help=KEYPOINTS_HELP)
    export.add_argument("--output_dir", required=True, help="folder for <split>/<video_id>.pose")
    export.add_argument(
        "--fps",
        type=float,
        default=25.0,
        help="frame rate of videos given as frame folders (default: 25); video files keep their own",
    )

    progress = command(
        "progress",
        run_progress,
        "Show how far an extraction run has come: per split, videos and frames done, rate and ETA. Works while the "
        "workflow runs and after it, from the files the run writes under results/.",
    )
    progress.add_argument("results", nargs="?", default="results", help="the run's results folder (default: results)")
    progress.add_argument(
        "--window",
        type=float,
        default=RATE_WINDOW_SECONDS,
        help="seconds of finished videos, before the newest, that give the current rate (default: %(default)s)",
    )

    # resume takes Snakemake's own arguments, passed on as they are.
    resume_command = command(
        "resume",
        None,
        "Resume a killed run: `snakemake --unlock`, then `snakemake --rerun-incomplete`, with the Snakemake "
        "arguments given; refuses while another Snakemake runs in the same folder.",
    )
    resume_command.usage = "phoenix-keypoints resume [SNAKEMAKE OPTION ...]"
    resume_command.formatter_class = argparse.RawDescriptionHelpFormatter
    resume_command.epilog = RESUME_FORWARDED
    return main_parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["resume"] and not {"-h", "--help"} & set(argv[1:]):
        sys.exit(resume(argv[1:]))
    args, unknown = parser().parse_known_args(argv)
    if unknown:  # said by the subcommand, with its own usage
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(level=logging.INFO, format=FORMAT, stream=sys.stderr)
    try:
        status = args.run(args)
    except InputError as err:
        print(f"Error: {err}", file=sys.stderr)
        sys.exit(1)
    sys.exit(status)
