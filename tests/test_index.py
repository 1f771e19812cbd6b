"""The index: both folder layouts, numeric frame order, and every validation error."""

import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE, copy_sample
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.index import DatasetPaths, build_index, limit_per_split, list_frames, problems_message

SPLITS = ["train", "dev", "test"]
FRAMES = "features/fullFrame-210x260px"


def index_of(root: Path):
    return build_index(DatasetPaths(root), SPLITS)


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
    assert videos[0].frames_dir == f"{FRAMES}/train/sample_asl_soup-1"
    assert videos[0].speaker == "SignerASL1" and videos[0].orth == "SUPPE"


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
    assert clip.frames_dir == f"{FRAMES}/dev/sample_asl_clip-1/1" and clip.n_frames == 9


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
