"""Video files as a player shows them (issue 17): clips stored turned with a display matrix give the upright
clip's keypoints with both engines, and a variable-frame-rate clip is cut and timed by its container's clock.

The clips are built here with ffmpeg from the shared clips. ffmpeg comes from Debian (.ci/run installs it and
sets PHOENIX_REQUIRE_FFMPEG=1, so that in CI these tests run, never skip).
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import SHARED_DATA, run_cli, run_snakemake
from phoenix_keypoints import journal
from phoenix_keypoints.extract import run_shard
from phoenix_keypoints.frame_folders import video_source
from phoenix_keypoints.frame_sources import VFR_MIN_SECONDS
from phoenix_keypoints.holistic import HolisticSettings
from phoenix_keypoints.manifest import build_manifest_index
from phoenix_keypoints.qc_frames import title_height, write_qc_frames

AUTSL = SHARED_DATA / "autsl-sample/signer0_sample1000_color.mp4"  # 512x512, 30 fps
FOOTBALL = SHARED_DATA / "signing-clips/FOOTBALL.mp4"  # 640x360, 29.97 fps, 62 frames decode
UPRIGHT_SIZE = (320, 448)  # width, height: not square, so that a turn shows in the size
# Stored turned clockwise by (ffmpeg transpose filters), with the display matrix that shows it upright.
TURNS = {90: "transpose=1", 180: "transpose=1,transpose=1", 270: "transpose=2"}
DROPPED = range(36, 44)  # frames the VFR clip drops (their neighbours keep their timestamps): after 1 s
HEADER = "split\tvideo_id\tpath\tstart\tend\n"


def ffmpeg_program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("PHOENIX_REQUIRE_FFMPEG") == "1":
        pytest.fail(f"PHOENIX_REQUIRE_FFMPEG=1 but {name} is not installed (apt-get install ffmpeg)")
    pytest.skip(f"{name} is not installed (Debian: apt-get install ffmpeg)")


def ffmpeg(*args) -> None:
    subprocess.run([ffmpeg_program("ffmpeg"), "-v", "error", "-y", *map(str, args)], check=True, timeout=120)


def lossless(output: Path, *args) -> Path:
    """x264 at qp 0 in yuv444p: decodes to exactly the pixels it was given."""
    ffmpeg(*args, "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", output)
    return output


def container_times(clip: Path) -> list[float]:
    """Each frame's presentation time as ffprobe reads it from the container."""
    probe = [ffmpeg_program("ffprobe"), "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time"]
    out = subprocess.run([*probe, "-of", "csv=p=0", str(clip)], capture_output=True, text=True, check=True).stdout
    return [float(line.strip(",")) for line in out.split()]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """upright.mp4 (8 frames, converted to yuv444p before anything turns it), turned<D>.mp4 stored turned D°
    clockwise with the display matrix that turns it back, and vfr.mp4 (FOOTBALL with frames dropped)."""
    folder = tmp_path_factory.mktemp("clips")
    crop = f"crop={UPRIGHT_SIZE[0]}:{UPRIGHT_SIZE[1]}:96:32"
    upright = lossless(folder / "upright.mp4", "-i", AUTSL, "-vf", f"format=yuv444p,{crop}", "-frames:v", 8)
    for degrees, transpose in TURNS.items():
        stored = lossless(folder / f"stored{degrees}.mp4", "-i", upright, "-vf", transpose)
        # The display matrix that turns it back (ffmpeg 5's rotate tag: how far the stored frames are turned).
        ffmpeg("-i", stored, "-c", "copy", "-metadata:s:v:0", f"rotate={degrees}", folder / f"turned{degrees}.mp4")
    keep = f"select='not(between(n\\,{DROPPED.start}\\,{DROPPED.stop - 1}))'"
    ffmpeg("-i", FOOTBALL, "-vf", keep, "-fps_mode", "passthrough", "-c:v", "libx264", "-crf", "28", folder / "vfr.mp4")
    return folder


def manifest(clips: Path, rows: str, name: str = "videos.tsv") -> Path:
    path = clips / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


ROTATION_ROWS = "".join(
    f"train\t{name}\t{name}.mp4\t\t\n" for name in ["upright", *(f"turned{degrees}" for degrees in TURNS)]
)


def test_the_turned_clips_are_what_the_test_says(clips):
    """The premise: stored sideways (or upside down), shown upright by the display matrix."""
    upright = cv2.VideoCapture(str(clips / "upright.mp4")).read()[1]
    for degrees in TURNS:
        capture = cv2.VideoCapture(str(clips / f"turned{degrees}.mp4"))
        capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
        stored = capture.read()[1]
        assert not np.array_equal(stored, upright) and capture.get(cv2.CAP_PROP_ORIENTATION_META) != 0
        assert np.array_equal(np.rot90(stored, k=degrees // 90), upright), degrees  # turned back counter-clockwise


@pytest.fixture(scope="module")
def phone_run(clips, tmp_path_factory):
    """The turned clips and the VFR clip cut at 1 s, through the whole workflow with MediaPipe."""
    rows = ROTATION_ROWS + "dev\tvfr\tvfr.mp4\t1s\t\n"
    work = tmp_path_factory.mktemp("phone_run")
    run = run_snakemake(
        work, "--cores", "2", "all", "export_pose", config={"manifest": manifest(clips, rows), "num_shards": 2}
    )
    return work, run.stdout


@pytest.mark.slow
def test_turned_clips_give_the_upright_keypoints_and_size_with_mediapipe(phone_run, clips, tmp_path):
    work, _ = phone_run
    train = np.load(work / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    names = train["video_names"].tolist()
    assert names == ["upright", "turned90", "turned180", "turned270"]
    assert train["video_widths"].tolist() == [UPRIGHT_SIZE[0]] * 4
    assert train["video_heights"].tolist() == [UPRIGHT_SIZE[1]] * 4
    assert sorted(train["video_rotation"].tolist()) == [0, 90, 180, 270]
    keypoints, presence = train["keypoints"].reshape(4, 8, 143, 3), train["presence"].reshape(4, 8, 4)
    assert presence[0].any(axis=0)[[0, 3]].all(), "the signer's pose and face are found"
    for i in range(1, 4):
        assert np.array_equal(keypoints[i], keypoints[0]), names[i]
        assert np.array_equal(presence[i], presence[0]), names[i]
    # A QC picture of a turned clip is the upright clip's picture, keypoints and all.
    # Each picture's frame sits under its own title band (which names the video), above the legend.
    pictures = write_qc_frames(work / "results/model_input_data/train_keypoints.npz", clips, tmp_path, 4)
    frames = []
    for path in pictures:
        video, _, number = path.stem.rpartition("_frame")
        top = title_height(UPRIGHT_SIZE[0], "train", video, int(number))
        frames.append(cv2.imread(str(path))[top : top + UPRIGHT_SIZE[1]])
    assert len(frames) == 4 and frames[0].shape == (UPRIGHT_SIZE[1], UPRIGHT_SIZE[0], 3)
    assert all(np.array_equal(frame, frames[0]) for frame in frames[1:])
    from pose_format import Pose

    pose = Pose.read((work / "results/pose/train/turned90.pose").read_bytes())
    assert (pose.header.dimensions.width, pose.header.dimensions.height) == UPRIGHT_SIZE
    summary = (work / "results/summary.txt").read_text()
    assert "3 video files turned upright by the display matrix" in summary


@pytest.mark.slow
def test_a_vfr_clip_is_cut_and_timed_by_its_container(phone_run, clips):
    work, log = phone_run
    times = container_times(clips / "vfr.mp4")
    assert len(times) == 62 - len(DROPPED)
    first = next(i for i, t in enumerate(times) if t >= 1.0)
    dev = np.load(work / "results/model_input_data/dev_keypoints.npz", allow_pickle=False)
    assert dev["image_paths"][0] == f"vfr.mp4#{first}" and len(dev["keypoints"]) == len(times) - first
    # What the average rate would have picked (frames at 1 s x frames / duration) is another frame.
    average_fps = cv2.VideoCapture(str(clips / "vfr.mp4")).get(cv2.CAP_PROP_FPS)
    assert round(average_fps) != first
    np.testing.assert_allclose(dev["frame_times"], times[first:], rtol=0, atol=0.001)
    assert dev["video_vfr"].tolist() == [True]
    assert dev["video_fps"][0] == pytest.approx(30000 / 1001, abs=0.01), "the nominal rate, not the average"
    line = "1 video file with a variable frame rate"
    assert line in (work / "results/summary.txt").read_text() and "dev/vfr" in log
    train = np.load(work / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    assert not train["video_vfr"].any()
    np.testing.assert_allclose(train["frame_times"][:8], np.arange(8) / 30, atol=VFR_MIN_SECONDS / 2)


@pytest.mark.slow
def test_progress_counts_the_decoded_frames(phone_run):
    work, _ = phone_run
    indexed = sum(int(line.split("\t")[2]) for line in (work / "results/index/videos.tsv").read_text().splitlines()[1:])
    dev = np.load(work / "results/model_input_data/dev_keypoints.npz", allow_pickle=False)
    decoded = 4 * 8 + len(dev["keypoints"])
    assert indexed != decoded, "the container's estimate of the cut in seconds is off: what makes the case"
    result = run_cli("progress", work / "results")
    assert result.returncode == 0, result.stderr
    assert f"all: 5/5 videos, {decoded}/{decoded} frames" in result.stdout
    assert "counted by their container" not in result.stdout


def test_video_rotation_ignore_gives_the_stored_frames_and_sizes(clips):
    videos, problems, _ = build_manifest_index(manifest(clips, ROTATION_ROWS), ["train"], "ignore")
    assert not problems
    upright = next(video_source(clips, videos[0]).frames())[1]
    for video, degrees in zip(videos[1:], TURNS, strict=True):
        turned = degrees in (90, 270)
        assert (video.width, video.height) == (UPRIGHT_SIZE[::-1] if turned else UPRIGHT_SIZE)
        assert video.rotation == 0
        stored = next(video_source(clips, video).frames())[1]
        assert np.array_equal(np.rot90(stored, k=degrees // 90), upright), video.video_id
    turned, _, _ = build_manifest_index(manifest(clips, ROTATION_ROWS), ["train"], "auto")
    assert [(v.width, v.height) for v in turned] == [UPRIGHT_SIZE] * 4
    # The journal keys a video by the rotation applied: changing the setting reruns the turned videos only.
    fingerprints = [
        [journal.fingerprint({}, video_source(clips, video), "code") for video in found] for found in (videos, turned)
    ]
    assert [ignored == auto for ignored, auto in zip(*fingerprints, strict=True)] == [True, False, False, False]


@pytest.mark.slow
@pytest.mark.engine
def test_turned_clips_give_the_upright_keypoints_with_the_torch_engine(clips, tmp_path):
    pytest.importorskip("torch", reason="the torch engine needs requirements-engine.txt (make test installs it)")
    videos, _, _ = build_manifest_index(manifest(clips, ROTATION_ROWS), ["train"])
    engine = {"device": "cpu", "videos_per_batch": 1, "chunk_size": 4}  # the config's defaults but one video at a time
    records, stats = run_shard(0, videos, clips, HolisticSettings(), 1, "fail", tmp_path, time.time(), "torch", engine)
    assert [(r["width"], r["height"]) for r in records] == [UPRIGHT_SIZE] * 4
    assert records[0]["presence"].any(axis=0)[[0, 3]].all()
    for record in records[1:]:
        assert np.array_equal(record["keypoints"], records[0]["keypoints"]), record["video_id"]
        assert np.array_equal(record["presence"], records[0]["presence"]), record["video_id"]
    assert stats["video_frames"] == {f"train/{v.video_id}": 8 for v in videos}
