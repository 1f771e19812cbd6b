"""The index: both folder layouts, numeric frame order, and every validation error."""

import os
import shutil
from pathlib import Path

import cv2
import pytest

from conftest import SAMPLE, copy_sample
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.fingerprints import frames_fingerprints
from phoenix_keypoints.frame_folders import list_frames
from phoenix_keypoints.index import build_index, limit_per_split, problems_message, select_videos
from phoenix_keypoints.tables import write_skipped
from phoenix_keypoints.videos import DatasetPaths

SPLITS = ["train", "dev", "test"]
FRAMES = "features/fullFrame-210x260px"


def index_of(root: Path):
    """The videos and problems of the dataset at root."""
    videos, problems, _ = build_index(DatasetPaths(root), SPLITS)
    return videos, problems


def test_sample_is_indexed_in_csv_order():
    videos, problems = index_of(SAMPLE)
    assert problems == []
    assert [(v.split, v.video_id, v.n_frames) for v in videos] == [
        ("train", "sample_asl_soup-1", 20),
        ("train", "sample_asl_soup-2", 21),
        ("train", "sample_asl_webcam-1", 58),
        ("dev", "sample_asl_clip-1", 9),
        ("test", "25October_2010_Monday_tagesschau-17", 2),
    ]
    assert videos[0].source == f"{FRAMES}/train/sample_asl_soup-1" and not videos[0].is_video_file
    assert videos[0].annotations["speaker"] == "SignerASL1" and videos[0].annotations["orth"] == "SUPPE"
    assert list(videos[0].annotations) == ["speaker", "orth", "translation"]


def test_nested_1_folder_layout_is_accepted(tmp_path):
    root = copy_sample(tmp_path / "ds")
    video = root / FRAMES / "dev/sample_asl_clip-1"
    nested = video / "1"
    nested.mkdir()
    for frame in video.glob("*.png"):
        frame.rename(nested / frame.name)
    videos, problems = index_of(root)
    assert problems == []
    clip = next(v for v in videos if v.video_id == "sample_asl_clip-1")
    assert clip.source == f"{FRAMES}/dev/sample_asl_clip-1/1" and clip.n_frames == 9


def test_frames_are_ordered_by_number_not_as_strings(tmp_path):
    for number in (1, 2, 10, 9, 100, 11):
        (tmp_path / f"images{number}.png").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    names, problems = list_frames(tmp_path)
    assert problems == [
        "gap in the numbering: 94 frames missing (3, 4, 5, 6, 7, 8, 12, 13, 14, 15 ...)",
    ]
    assert names == ["images1.png", "images2.png", "images9.png", "images10.png", "images11.png", "images100.png"]


def reasons(problems):
    return {(p.split, p.video_id): p.reason for p in problems}


def test_every_dataset_problem_is_listed(tmp_path):
    root = copy_sample(tmp_path / "ds")
    frames = root / FRAMES
    shutil.rmtree(frames / "train/sample_asl_soup-1")  # missing folder
    for frame in (frames / "dev/sample_asl_clip-1").iterdir():  # empty folder
        frame.unlink()
    (frames / "train/sample_asl_soup-2/images0005.png").unlink()  # gap
    (frames / "train/sample_asl_webcam-1/notes.txt").write_text("x")  # stray file
    (frames / "test/unlisted_video").mkdir()  # folder in no CSV
    csv = root / "annotations/manual/PHOENIX-2014-T.test.corpus.csv"
    with csv.open("a", encoding="utf-8") as stream:
        stream.write("../../etc|../../etc/1/*.png|-1|-1|S|A|b\n")  # escapes the root
        stream.write("sample_asl_clip-1|sample_asl_clip-1/1/*.png|-1|-1|S|A|b\n")  # in two splits
    videos, problems = index_of(root)
    found = reasons(problems)
    assert found == {
        ("train", "sample_asl_soup-1"): "frame folder is missing",
        ("dev", "sample_asl_clip-1"): "no frames (imagesNNNN.png) in the folder",
        ("train", "sample_asl_soup-2"): "gap in the numbering: 1 frames missing (5)",
        ("train", "sample_asl_webcam-1"): "unexpected file 'notes.txt' (frames must be named imagesNNNN.png)",
        ("test", "unlisted_video"): "folder is listed in no row of PHOENIX-2014-T.test.corpus.csv",
        ("test", "../../etc"): "name escapes the dataset root or is empty",
        ("test", "sample_asl_clip-1"): "duplicate name: also listed in split 'dev'",
    }
    assert [v.video_id for v in videos] == ["25October_2010_Monday_tagesschau-17"]
    message = problems_message(problems)
    assert "7 problems" in message and "on_bad_video: skip" in message
    assert f"{FRAMES}/train/sample_asl_soup-2" in message


def test_absolute_name_and_duplicate_in_split(tmp_path):
    root = copy_sample(tmp_path / "ds")
    csv = root / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv"
    with csv.open("a", encoding="utf-8") as stream:
        stream.write("/etc/passwd|x/1/*.png|-1|-1|S|A|b\n")
        stream.write("sample_asl_clip-1|sample_asl_clip-1/1/*.png|-1|-1|S|A|b\n")
    found = reasons(index_of(root)[1])
    assert found[("dev", "/etc/passwd")] == "name escapes the dataset root or is empty"
    assert found[("dev", "sample_asl_clip-1")] == "duplicate name: listed twice in this split"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name,video,start,end,speaker,orth,translation\n", "wrong delimiter (comma)"),
        ("name|video|speaker\n", "has the header"),
        ("x|x/1/*.png|-1|-1|S|A|b\n", "has the header 'x|x/1/*.png|-1|-1|S|A|b'"),
        ("", "is empty"),
        ("name|video|start|end|speaker|orth|translation\nx|x/1/*.png|-1|-1|S\n", "line 2: 5 columns instead of 7"),
        ("name|video|start|end|speaker|orth|translation\nx|x|1|2|3|4|5|6\n", "line 2: 8 columns instead of 7"),
    ],
)
def test_csv_structure_errors_name_the_file(tmp_path, content, expected):
    root = copy_sample(tmp_path / "ds")
    csv = root / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv"
    csv.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        index_of(root)
    assert expected in str(error.value) and str(csv) in str(error.value) and "Fix:" in str(error.value)


def test_csv_not_utf8(tmp_path):
    root = copy_sample(tmp_path / "ds")
    csv = root / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv"
    csv.write_bytes(csv.read_bytes().replace(b"BEISPIEL", "BEISPIEL \u00fcber".encode("latin-1")))
    with pytest.raises(InputError, match="is not UTF-8"):
        index_of(root)


def test_missing_csv_and_missing_split_folder(tmp_path):
    root = copy_sample(tmp_path / "ds")
    shutil.rmtree(root / FRAMES / "dev")
    with pytest.raises(InputError, match="frame folder for split 'dev' not found"):
        index_of(root)
    (root / "annotations/manual/PHOENIX-2014-T.test.corpus.csv").unlink()
    with pytest.raises(InputError, match="corpus CSV not found"):
        build_index(DatasetPaths(root), ["test"])


def test_max_samples_per_split_is_deterministic():
    videos, _ = index_of(SAMPLE)
    kept = limit_per_split(videos, 2)
    assert [v.video_id for v in kept] == [
        "sample_asl_soup-1",
        "sample_asl_soup-2",
        "sample_asl_clip-1",
        "25October_2010_Monday_tagesschau-17",
    ]
    assert limit_per_split(videos, None) == videos


def test_a_folder_named_like_a_frame_is_a_bad_video(tmp_path):
    root = copy_sample(tmp_path / "ds")
    clip = root / FRAMES / "dev/sample_asl_clip-1"
    (clip / "images0005.png").unlink()
    (clip / "images0005.png").mkdir()
    assert [p.reason for p in index_of(root)[1]] == [
        "'images0005.png' is a folder, not a frame",
        "gap in the numbering: 1 frames missing (5)",
    ]


def test_frames_of_another_size_make_a_bad_video(tmp_path):
    root = copy_sample(tmp_path / "ds")
    clip = root / FRAMES / "dev/sample_asl_clip-1"
    cv2.imwrite(str(clip / "images0009.png"), cv2.resize(cv2.imread(str(clip / "images0009.png")), (420, 520)))
    videos, problems = index_of(root)
    assert reasons(problems) == {
        ("dev", "sample_asl_clip-1"): "frames of different sizes: 210x260 (8 frames, e.g. images0001.png), "
        "420x520 (1 frames, e.g. images0009.png). Fix: give every frame of the video the same size"
    }
    assert {(v.width, v.height) for v in videos} == {(210, 260)}


def test_frames_in_another_format_are_said_once_per_video(tmp_path):
    root = copy_sample(tmp_path / "ds")
    webcam, clip = root / FRAMES / "train/sample_asl_webcam-1", root / FRAMES / "dev/sample_asl_clip-1"
    for frame in webcam.glob("*.png"):
        cv2.imwrite(str(frame.with_suffix(".jpg")), cv2.imread(str(frame)))
        frame.unlink()
    for frame in clip.glob("*.png"):
        frame.rename(frame.with_suffix(".PNG"))
    found = reasons(index_of(root)[1])
    assert found[("train", "sample_asl_webcam-1")] == (
        "58 frames are .jpg files (images0001.jpg); frames must be PNG files named imagesNNNN.png. "
        "Fix: convert them to PNG, e.g. in the folder: mogrify -format png *.jpg && rm *.jpg"
    )
    assert found[("dev", "sample_asl_clip-1")].startswith(
        "9 frames end in .PNG (images0001.PNG), not .png. Fix: rename"
    )
    assert len(found) == 2


def test_an_empty_split_needs_no_frame_folder(tmp_path):
    root = copy_sample(tmp_path / "ds")
    csv = root / "annotations/manual/PHOENIX-2014-T.dev.corpus.csv"
    csv.write_text(csv.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    shutil.rmtree(root / FRAMES / "dev")
    videos, problems, listed_rows = build_index(DatasetPaths(root), SPLITS)
    assert problems == [] and listed_rows == {"train": 3, "dev": 0, "test": 1}
    assert "dev" not in {v.split for v in videos}


def test_a_split_left_without_videos_is_refused(tmp_path):
    root = copy_sample(tmp_path / "ds")
    for frame in (root / FRAMES / "dev/sample_asl_clip-1").iterdir():
        frame.unlink()
    with pytest.raises(InputError, match=r"no usable video is left in split 'dev' \(its CSV lists 1\)"):
        select_videos(DatasetPaths(root), SPLITS, "skip", None)
    videos, skipped = select_videos(DatasetPaths(root), ["train", "test"], "skip", None)
    assert len(videos) == 4 and skipped == []


def test_skipped_lists_each_video_once_with_all_its_reasons(tmp_path):
    root = copy_sample(tmp_path / "ds")
    webcam = root / FRAMES / "train/sample_asl_webcam-1"
    (webcam / "images0005.png").unlink()
    (webcam / "notes.txt").write_text("x")
    _, skipped = select_videos(DatasetPaths(root), SPLITS, "skip", None)
    write_skipped(tmp_path / "skipped.tsv", skipped)
    assert (tmp_path / "skipped.tsv").read_text().splitlines() == [
        "split\tvideo_id\tpath\treasons",
        f"train\tsample_asl_webcam-1\t{FRAMES}/train/sample_asl_webcam-1\t"
        "unexpected file 'notes.txt' (frames must be named imagesNNNN.png); gap in the numbering: 1 frames missing (5)",
    ]


def test_the_frames_fingerprint_sees_every_change(tmp_path):
    root = copy_sample(tmp_path / "ds")
    dataset, clip = DatasetPaths(root), root / FRAMES / "dev/sample_asl_clip-1"
    seen = {frames_fingerprints(dataset, SPLITS)[0]}
    assert frames_fingerprints(dataset, SPLITS)[0] in seen, "the same frames, the same fingerprint"
    changes = [
        lambda: shutil.copy(clip / "images0009.png", clip / "images0010.png"),  # added
        lambda: (clip / "images0010.png").unlink(),  # removed
        lambda: (clip / "images0003.png").write_bytes((clip / "images0004.png").read_bytes()),  # replaced in place
        lambda: os.utime(clip / "images0003.png", ns=(0, 0)),  # touched
    ]
    for change in changes:
        change()
        seen.add(frames_fingerprints(dataset, SPLITS)[0])
    assert len(seen) == 1 + len(changes)
