"""Video files and manifests (issue 12), with the real clips in ../shared/data: every frame decoded once, in
order, the same keypoints as a direct MediaPipe run over the same frames, cuts, and every kind of bad video."""

import json

import cv2
import mediapipe as mp
import numpy as np
import pytest

from conftest import SHARED_DATA, run_cli, run_snakemake
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.landmarks import results_to_keypoints
from phoenix_keypoints.manifest import build_manifest_index, frame_bound, read_manifest
from phoenix_keypoints.qc_frames import title_height

AUTSL = SHARED_DATA / "autsl-sample/signer0_sample1000_color.mp4"  # 43 frames, 512x512, 30 fps
FOOTBALL = SHARED_DATA / "signing-clips/FOOTBALL.mp4"  # the container says 64 frames; 62 decode; 29.97 fps
PHOENIX_VIDEO = SHARED_DATA / "phoenix-mini/PHOENIX-2014-T/features/fullFrame-210x260px/test"
HEADER = "split\tvideo_id\tpath\tstart\tend\tgloss\n"


def direct_mediapipe(video, start: int = 0, end: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What a user's own script gets: cv2.VideoCapture, every frame in order, one fresh Holistic."""
    capture, keypoints, presence, number = cv2.VideoCapture(str(video)), [], [], 0
    with mp.solutions.holistic.Holistic(model_complexity=1) as holistic:
        while end is None or number < end:
            ok, image = capture.read()
            if not ok:
                break
            if number >= start:
                frame_keypoints, frame_presence = results_to_keypoints(
                    holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
                )
                keypoints.append(frame_keypoints)
                presence.append(frame_presence)
            number += 1
    return np.array(keypoints), np.array(presence)


def video_rows(npz, name: str) -> slice:
    i = npz["video_names"].tolist().index(name)
    return slice(int(npz["video_offsets"][i]), int(npz["video_offsets"][i] + npz["video_lengths"][i]))


@pytest.fixture(scope="module")
def video_run(tmp_path_factory):
    """A manifest mixing video files, a cut of one, and a frame folder, through the whole workflow."""
    folder = tmp_path_factory.mktemp("videos")
    (folder / "clips").mkdir()
    (folder / "clips/autsl.mp4").symlink_to(AUTSL)  # a path relative to the manifest
    manifest = folder / "videos.tsv"
    manifest.write_text(
        HEADER
        + "train\tautsl-1000\tclips/autsl.mp4\t\t\tSOME-SIGN\n"
        + f"dev\tfootball\t{FOOTBALL}\t\t\tFOOTBALL\n"
        + f"dev\tfootball-cut\t{FOOTBALL}\t5\t1s\tFOOTBALL\n"
        + f"test\ttagesschau\t{PHOENIX_VIDEO}/25October_2010_Monday_tagesschau-17\t\t\tWETTER\n",
        encoding="utf-8",
    )
    work = folder / "work"
    run = run_snakemake(work, "--cores", "2", "all", "export_pose", config={"manifest": manifest, "num_shards": 3})
    return work, run.stdout


@pytest.mark.slow
def test_video_keypoints_equal_a_direct_mediapipe_run(video_run):
    work, _ = video_run
    train = np.load(work / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    keypoints, presence = direct_mediapipe(AUTSL)
    assert len(keypoints) == 43
    np.testing.assert_array_equal(train["keypoints"], keypoints)
    np.testing.assert_array_equal(train["presence"], presence)
    assert train["image_paths"][0] == "clips/autsl.mp4#0" and train["image_paths"][-1] == "clips/autsl.mp4#42"
    assert (train["video_widths"][0], train["video_heights"][0], train["video_fps"][0]) == (512, 512, 30)
    assert train["annotation_columns"].tolist() == ["gloss"] and train["video_gloss"].tolist() == ["SOME-SIGN"]
    assert json.loads((work / "results/verify/verification.json").read_text())["passed"]


@pytest.mark.slow
def test_the_decoded_count_wins_over_the_container(video_run):
    work, log = video_run
    dev = np.load(work / "results/model_input_data/dev_keypoints.npz", allow_pickle=False)
    football = video_rows(dev, "football")
    assert football.stop - football.start == 62, "every decoded frame, none padded or dropped"
    keypoints, _ = direct_mediapipe(FOOTBALL)
    np.testing.assert_array_equal(dev["keypoints"][football], keypoints)
    notes = {}
    for path in (work / "results/shards").glob("shard_*.json"):
        notes |= json.loads(path.read_text())["frame_count_notes"]
    assert notes == {"dev/football": "ends early: 62 frames decoded, the container announces 64"}
    note = "  dev/football: ends early: 62 frames decoded, the container announces 64"
    assert note in (work / "results/summary.txt").read_text() and note in log, "the run says so at its end"


@pytest.mark.slow
def test_a_cut_in_frames_and_seconds(video_run):
    work, _ = video_run
    dev = np.load(work / "results/model_input_data/dev_keypoints.npz", allow_pickle=False)
    cut = video_rows(dev, "football-cut")
    # start 5 (a frame number), end 1s (at 29.97 fps: frame 30, excluded).
    assert dev["image_paths"][cut][0].endswith("FOOTBALL.mp4#5") and dev["image_paths"][cut][-1].endswith("#29")
    assert dev["frame_index"][cut].tolist() == list(range(25))
    keypoints, _ = direct_mediapipe(FOOTBALL, 5, 30)
    np.testing.assert_array_equal(dev["keypoints"][cut], keypoints)


@pytest.mark.slow
def test_frame_folders_qc_and_pose_files_from_a_manifest(video_run):
    work, _ = video_run
    test = np.load(work / "results/model_input_data/test_keypoints.npz", allow_pickle=False)
    assert test["video_names"].tolist() == ["tagesschau"] and len(test["keypoints"]) == 2
    assert test["video_fps"].tolist() == [0.0], "a frame folder has no frame rate of its own"
    pictures = sorted(p.name for p in (work / "results/qc/frames/train").glob("*.png"))
    assert pictures == ["autsl-1000_frame0007.png", "autsl-1000_frame0021.png", "autsl-1000_frame0035.png"]
    picture = cv2.imread(str(work / "results/qc/frames/train" / pictures[0]))
    top = title_height(512, "train", "autsl-1000", 7)  # the frame at its own size, under its title
    assert picture.shape[1] == 512 and picture.shape[0] > top + 512
    from pose_format import Pose

    autsl = Pose.read((work / "results/pose/train/autsl-1000.pose").read_bytes())
    assert autsl.body.fps == 30 and autsl.body.data.shape[0] == 43
    assert (autsl.header.dimensions.width, autsl.header.dimensions.height) == (512, 512)
    tagesschau = Pose.read((work / "results/pose/test/tagesschau.pose").read_bytes())
    assert tagesschau.body.fps == 25, "a frame folder takes pose_export: fps"


@pytest.mark.slow
def test_every_bad_video_is_listed(tmp_path):
    (tmp_path / "noise.mp4").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    data = FOOTBALL.read_bytes()
    (tmp_path / "truncated.mp4").write_bytes(data[: len(data) // 2])
    manifest = tmp_path / "videos.tsv"
    manifest.write_text(
        HEADER
        + "train\tmissing\tnowhere.mp4\t\t\tA\n"
        + "train\tnoise\tnoise.mp4\t\t\tB\n"
        + "train\tempty\tempty.mp4\t\t\tC\n"
        + "train\tnotes\tnotes.txt\t\t\tD\n"
        + f"train\tnothing-left\t{AUTSL}\t50\t60\tE\n"
        + "train\ttruncated\ttruncated.mp4\t\t\tF\n",
        encoding="utf-8",
    )
    failed = run_snakemake(tmp_path / "fail", "--cores", "2", config={"manifest": manifest}, check=False)
    assert failed.returncode != 0 and "the dataset has 5 problems" in failed.stdout
    for reason in (
        "train/missing: video file is missing [nowhere.mp4]",
        "train/noise: cannot be opened as a video",
        "train/empty: cannot be opened as a video",
        f"train/notes: {tmp_path}/notes.txt is neither a folder of frames nor a video file",
        "train/nothing-left: the cut (start 50, end 60) holds none of its 43 decoded frames",
    ):
        assert reason in failed.stdout, reason
    # Skipped, the truncated video gives what it has and says so.
    work = tmp_path / "skip"
    run_snakemake(work, "--cores", "2", config={"manifest": manifest, "on_bad_video": "skip"})
    train = np.load(work / "results/model_input_data/train_keypoints.npz", allow_pickle=False)
    assert train["video_names"].tolist() == ["truncated"] and len(train["keypoints"]) == 33
    assert len((work / "results/index/skipped.tsv").read_text().splitlines()) == 6


def test_manifest_structure_and_cuts(tmp_path):
    wrong = tmp_path / "wrong.tsv"
    wrong.write_text("split\tname\tfile\ntrain\ta\ta.mp4\n")
    with pytest.raises(InputError, match=r"has no column video_id, path"):
        read_manifest(wrong)
    wrong.write_text("split\tvideo_id\tpath\tfps\ntrain\ta\ta.mp4\t25\n")
    with pytest.raises(InputError, match=r"has columns named fps, which the outputs use themselves"):
        read_manifest(wrong)
    as_csv = tmp_path / "videos.csv"
    as_csv.write_text("split,video_id,path,signer\ntrain,a,a.mp4,S1\n")
    assert read_manifest(as_csv) == (
        ["signer"],
        [{"split": "train", "video_id": "a", "path": "a.mp4", "signer": "S1", "line": "2"}],
    )
    assert frame_bound("", 25.0) is None and frame_bound("120", 25.0) == 120 and frame_bound("4.8s", 25.0) == 120
    assert frame_bound("1s", 29.97) == 30
    for wrong in ("1.0", "1.5x", "abcs"):  # seconds need their s; a number of frames is whole
        with pytest.raises(ValueError, match=rf"'{wrong}' is neither a frame number \(120\) nor seconds with an s"):
            frame_bound(wrong, 25.0)


def test_manifest_command_lists_a_folder_of_videos(tmp_path):
    for split, name in (("train", "a"), ("train", "b"), ("test", "c")):
        (tmp_path / "videos" / split).mkdir(parents=True, exist_ok=True)
        (tmp_path / "videos" / split / f"{name}.mp4").symlink_to(AUTSL)
    (tmp_path / "videos/train/readme.txt").write_text("x")
    result = run_cli("manifest", tmp_path / "videos", "--output", tmp_path / "videos.tsv")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "videos.tsv").read_text().splitlines() == [
        "split\tvideo_id\tpath",
        "test\tc\tvideos/test/c.mp4",
        "train\ta\tvideos/train/a.mp4",
        "train\tb\tvideos/train/b.mp4",
    ]
    one = run_cli("manifest", tmp_path / "videos/train", "--split", "train", "--output", tmp_path / "one.tsv")
    assert one.returncode == 0 and len((tmp_path / "one.tsv").read_text().splitlines()) == 3
    none = run_cli("manifest", tmp_path / "videos/train", "--output", tmp_path / "none.tsv")
    assert none.returncode == 1 and "no video files" in none.stderr and "--split" in none.stderr


def test_a_container_that_miscounts_its_frames_is_decoded_to_count(tmp_path):
    """An MPEG-1 program stream written by OpenCV announces 1 frame and decodes 10: a cut past the announced
    count is taken from the decoded frames, and only a cut past those is refused."""
    clip = tmp_path / "clip.mpg"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mpg1"), 25, (64, 48))
    for level in range(0, 200, 20):
        writer.write(np.full((48, 64, 3), level, np.uint8))
    writer.release()
    capture = cv2.VideoCapture(str(clip))
    announced = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    assert announced == 1  # what makes the case: the container's count is wrong
    manifest = tmp_path / "videos.tsv"
    manifest.write_text(HEADER + "train\tcut\tclip.mpg\t2\t6\tA\ntrain\tpast\tclip.mpg\t12\t20\tB\n", encoding="utf-8")
    videos, problems, _ = build_manifest_index(manifest, ["train"])
    assert [(v.video_id, v.n_frames) for v in videos] == [("cut", 4)]
    assert [(p.video_id, p.reason) for p in problems] == [
        ("past", "the cut (start 12, end 20) holds none of its 10 decoded frames")
    ]
