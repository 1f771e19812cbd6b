"""Undecodable and unusual frames, with real MediaPipe and through the real workflow."""

import json
import shutil

import cv2
import numpy as np
import pytest

from conftest import SAMPLE, SAMPLE_FRAMES, copy_sample, run_snakemake
from phoenix_keypoints.atomic import read_pickle
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.frame_sources import PngFrames
from phoenix_keypoints.holistic import HolisticSettings, create_holistic, extract_video

pytestmark = pytest.mark.slow

CLIP = SAMPLE / "features/fullFrame-210x260px/dev/sample_asl_clip-1"


@pytest.fixture(scope="module")
def holistic():
    return create_holistic(HolisticSettings())


@pytest.fixture(scope="module")
def reference(holistic):
    return extract_video(holistic, png_frames(sorted(CLIP.glob("*.png"))), "fail")


def png_frames(paths):
    """The frames as the extraction reads a frame folder, each named by its full path."""
    return PngFrames(paths, str(paths[0].parent))


def frames_copy(tmp_path):
    folder = tmp_path / "clip"
    shutil.copytree(CLIP, folder)
    return sorted(folder.glob("*.png"))


BREAKERS = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:2000]), "corrupt or truncated PNG (2000 bytes)"),
    "empty": (lambda p: p.write_bytes(b""), "empty file (0 bytes)"),
    "text": (lambda p: p.write_text("not an image"), "not a PNG image (starts with b'not an i')"),
}


@pytest.mark.parametrize("kind", sorted(BREAKERS))
def test_undecodable_frame_fails_naming_the_file(holistic, tmp_path, kind):
    frames = frames_copy(tmp_path)
    breaker, reason = BREAKERS[kind]
    breaker(frames[3])
    with pytest.raises(InputError) as error:
        extract_video(holistic, png_frames(frames), "fail")
    message = str(error.value)
    assert str(frames[3]) in message and reason in message and "on_bad_frame: mark" in message


@pytest.mark.parametrize("kind", sorted(BREAKERS))
def test_undecodable_frame_is_marked(holistic, reference, tmp_path, kind):
    frames = frames_copy(tmp_path)
    breaker, reason = BREAKERS[kind]
    breaker(frames[3])
    result = extract_video(holistic, png_frames(frames), "mark")
    assert result.bad_frames == [(3, reason)]
    assert len(result.keypoints) == 9 and not result.keypoints[3].any() and not result.presence[3].any()
    np.testing.assert_array_equal(result.keypoints[:3], reference.keypoints[:3])
    assert result.presence[4:, 0].all(), "tracking goes on after the bad frame"


def rewrite(frames, convert):
    for path in frames:
        cv2.imwrite(str(path), convert(cv2.imread(str(path))))


def test_rgba_and_16_bit_frames_give_identical_keypoints(holistic, reference, tmp_path):
    rgba = frames_copy(tmp_path / "rgba")
    rewrite(rgba, lambda image: cv2.cvtColor(image, cv2.COLOR_BGR2BGRA))
    deep = frames_copy(tmp_path / "deep")
    rewrite(deep, lambda image: image.astype(np.uint16) * 257)
    assert cv2.imread(str(rgba[0]), cv2.IMREAD_UNCHANGED).shape[2] == 4
    assert cv2.imread(str(deep[0]), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    for frames in (rgba, deep):
        result = extract_video(holistic, png_frames(frames), "fail")
        np.testing.assert_array_equal(result.keypoints, reference.keypoints)
        np.testing.assert_array_equal(result.presence, reference.presence)


def test_grayscale_frames_are_processed_and_mixed_sizes_refused(holistic, tmp_path):
    gray = frames_copy(tmp_path / "gray")
    rewrite(gray, lambda image: cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    assert cv2.imread(str(gray[0]), cv2.IMREAD_UNCHANGED).ndim == 2
    result = extract_video(holistic, png_frames(gray), "fail")
    assert result.presence[:, 0].all() and result.presence[:, 3].all(), "face and pose in every frame"

    # Keypoints are normalised by the frame's size and tracked from frame to frame: one size per video.
    mixed = frames_copy(tmp_path / "mixed")
    rewrite(mixed[4:5], lambda image: cv2.resize(image, (420, 520)))
    with pytest.raises(InputError, match=r"images0005.png is 420x520, the video's earlier frames are 210x260"):
        extract_video(holistic, png_frames(mixed), "mark")


def break_sample(tmp_path):
    root = copy_sample(tmp_path / "ds")
    frames = root / "features/fullFrame-210x260px/train/sample_asl_webcam-1"
    (frames / "images0010.png").write_bytes(b"")
    (frames / "images0011.png").write_bytes((frames / "images0011.png").read_bytes()[:500])
    return root


def test_workflow_fails_on_a_bad_frame_by_default(tmp_path):
    root = break_sample(tmp_path)
    result = run_snakemake(tmp_path / "work", "--cores", "2", config={"dataset_path": root}, check=False)
    assert result.returncode != 0
    # Frames go through in order: the empty frame 10 stops the job before the truncated frame 11.
    assert "images0010.png: empty file (0 bytes)" in result.stdout
    assert "on_bad_frame: mark" in result.stdout


def test_workflow_marks_bad_frames_and_keeps_every_frame(tmp_path):
    root = break_sample(tmp_path)
    work = tmp_path / "work"
    run_snakemake(work, "--cores", "2", config={"dataset_path": root, "on_bad_frame": "mark"})
    bad = (work / "results/bad_frames.tsv").read_text().splitlines()
    assert bad[0] == "split\tvideo_id\tframe_index\timage_path\treason"
    assert [line.split("\t")[:3] for line in bad[1:]] == [
        ["train", "sample_asl_webcam-1", "9"],
        ["train", "sample_asl_webcam-1", "10"],
    ]
    npz = np.load(work / "results/model_input_data/train_keypoints.npz")
    assert len(npz["keypoints"]) == SAMPLE_FRAMES["train"]
    webcam = np.flatnonzero(npz["video_ids"] == "sample_asl_webcam-1")
    assert not npz["presence"][webcam[[9, 10]]].any() and not npz["keypoints"][webcam[[9, 10]]].any()
    merged = read_pickle(work / "results/phoenix_keypoints_full.pkl")
    assert len(merged["train"]["bad_frames"]) == 2
    assert json.loads((work / "results/verify/verification.json").read_text())["passed"]
