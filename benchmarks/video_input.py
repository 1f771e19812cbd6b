"""Benchmark 6, video input: decoding cost per frame of the real clips against PNG frames, and the extraction
job's overhead on video files against a bare loop over the same decoded frames, side by side.

    python benchmarks/video_input.py [--copies 3] [--quick]

The clips are the AUTSL sample (512x512) and FOOTBALL (640x360) in ../shared/data. The bare loop decodes each
clip with cv2.VideoCapture and runs one Holistic over its frames (reset per video): the floor. The job is the
workflow up to extract on a manifest listing each clip `--copies` times (one shard, one worker). The CPU ratio is
the floor's CPU per frame over the job's: 1.0 means the workflow adds nothing per frame.
"""

import json
import tempfile
import time
from pathlib import Path

from benchlib import Figures, argument_parser, run_snakemake
from phoenix_keypoints.testing import SAMPLE, SHARED_DATA

CLIPS = {
    "autsl": SHARED_DATA / "autsl-sample" / "signer0_sample1000_color.mp4",
    "football": SHARED_DATA / "signing-clips" / "FOOTBALL.mp4",
}


def decode_seconds(path: Path, repeat: int) -> tuple[float, int]:
    """CPU seconds per frame to decode the whole clip with cv2.VideoCapture, and its frame count."""
    import cv2

    frames, cpu0 = 0, time.process_time()
    for _ in range(repeat):
        capture = cv2.VideoCapture(str(path))
        while capture.read()[0]:
            frames += 1
        capture.release()
    return (time.process_time() - cpu0) / frames, frames // repeat


def png_decode_seconds(repeat: int) -> float:
    import cv2

    paths = sorted(SAMPLE.rglob("*.png"))
    cpu0 = time.process_time()
    for _ in range(repeat):
        for path in paths:
            cv2.imread(str(path), cv2.IMREAD_COLOR)
    return (time.process_time() - cpu0) / (repeat * len(paths))


def bare_loop(clips: list[Path]) -> tuple[float, int]:
    """The floor on video input: decode, convert colour, Holistic.process; CPU seconds per frame, frames."""
    import cv2
    import mediapipe as mp

    holistic = mp.solutions.holistic.Holistic(static_image_mode=False, model_complexity=1)
    frames, cpu0 = 0, time.process_time()
    for clip in clips:
        holistic.reset()
        capture = cv2.VideoCapture(str(clip))
        while True:
            ok, image = capture.read()
            if not ok:
                break
            holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            frames += 1
        capture.release()
    cpu = time.process_time() - cpu0
    holistic.close()
    return cpu / frames, frames


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--copies", type=int, default=3, help="times each clip is listed in the manifest")
    args = parser.parse_args()
    copies, repeat = (1, 1) if args.quick else (args.copies, 5)
    figures = Figures("video_input", args.json)
    for name, clip in CLIPS.items():
        per_frame, frames = decode_seconds(clip, repeat)
        figures.add(f"video_input.{name}_decode_ms_per_frame", per_frame * 1000, "ms", digits=3)
        figures.note(f"{name}: {frames} frames decoded per pass ({clip.name})")
    figures.add("video_input.png_decode_ms_per_frame", png_decode_seconds(repeat) * 1000, "ms", digits=3)
    listed = [clip for clip in CLIPS.values() for _ in range(copies)]
    floor_cpu, floor_frames = bare_loop(listed)
    figures.add("video_input.floor_cpu_ms_per_frame", floor_cpu * 1000, "ms", digits=2)
    with tempfile.TemporaryDirectory(prefix="phoenix-bench-video-") as temp:
        manifest = Path(temp) / "videos.tsv"
        rows = [f"train\t{name}-{i}\t{clip}\n" for name, clip in CLIPS.items() for i in range(copies)]
        manifest.write_text("split\tvideo_id\tpath\n" + "".join(rows), encoding="utf-8")
        work = Path(temp) / "work"
        config = {"manifest": manifest, "num_shards": 1, "threads_per_job": 1, "splits": "[train]"}
        run_snakemake(work, "--cores", "1", "--until", "extract", config=config)
        stats = json.loads((work / "results/shards/shard_0.json").read_text())
    if stats["extracted_frames"] != floor_frames:
        raise SystemExit(f"the job extracted {stats['extracted_frames']} frames, the bare loop {floor_frames}")
    job_cpu = stats["cpu_seconds"] / stats["extracted_frames"]
    figures.add("video_input.job_cpu_ms_per_frame", job_cpu * 1000, "ms", digits=2)
    figures.add("video_input.cpu_ratio", floor_cpu / job_cpu, goal=">= 0.95", digits=3)
    figures.save()


if __name__ == "__main__":
    main()
