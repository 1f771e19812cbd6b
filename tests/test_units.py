"""Sharding, the 68-point face mapping, merge and verify on real data."""

import copy

import numpy as np
import pytest

from conftest import SAMPLE
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.holistic import HolisticSettings, create_holistic, extract_video
from phoenix_keypoints.index import DatasetLayout, Video, build_index, video_frame_paths
from phoenix_keypoints.layout import FACE_68_FROM_MESH, PARTS, part_slice
from phoenix_keypoints.merge import check_complete, merge_records
from phoenix_keypoints.sharding import assign_shards, shard_loads
from phoenix_keypoints.verify import compare, sample_videos
from phoenix_keypoints.workflow import gpu_pool_size, workers_per_job


def make_videos(frame_counts):
    return [Video("train", f"v{i}", n, f"train/v{i}") for i, n in enumerate(frame_counts)]


def test_shards_are_balanced_and_deterministic():
    counts = list(np.random.default_rng(0).integers(16, 476, size=500))
    first = [v.shard for v in assign_shards(make_videos(counts), 16)]
    assert first == [v.shard for v in assign_shards(make_videos(counts), 16)]
    loads = shard_loads(assign_shards(make_videos(counts), 16), 16)
    assert max(loads) - min(loads) <= max(counts)
    assert sum(loads) == sum(counts)


def test_largest_first_into_least_loaded():
    videos = assign_shards(make_videos([10, 50, 30, 20, 40]), 2)
    assert [v.shard for v in videos] == [0, 0, 1, 0, 1]  # 50 -> 0, 40 -> 1, 30 -> 1, 20 -> 0, 10 -> 0 (tie)
    assert shard_loads(videos, 2) == [80, 70]
    assert [v.shard for v in assign_shards(make_videos([5]), 3)] == [0]


def test_face_mapping_is_68_distinct_mesh_points():
    assert len(FACE_68_FROM_MESH) == 68 == len(set(FACE_68_FROM_MESH))
    assert all(0 <= i < 468 for i in FACE_68_FROM_MESH)
    assert [part_slice(p) for p in PARTS] == [slice(0, 68), slice(68, 89), slice(89, 110), slice(110, 143)]


@pytest.fixture(scope="module")
def sample_index():
    return build_index(DatasetLayout(SAMPLE), ["train", "dev", "test"])[0]


@pytest.fixture(scope="module")
def clip_records(sample_index):
    """Real MediaPipe records of the dev clip and the PHOENIX test video."""
    holistic = create_holistic(HolisticSettings())
    records = []
    for video in sample_index[3:]:
        frames = video_frame_paths(SAMPLE, video)
        result = extract_video(holistic, frames, "fail")
        records.append(
            {
                "split": video.split,
                "video_id": video.video_id,
                "image_paths": [f.relative_to(SAMPLE).as_posix() for f in frames],
                "keypoints": result.keypoints,
                "presence": result.presence,
                "bad_frames": result.bad_frames,
                "width": result.width,
                "height": result.height,
            }
        )
    return records


def test_face_points_follow_ibug_geometry(clip_records):
    import cv2
    import mediapipe as mp

    record = clip_records[1]  # tagesschau-17: a frontal PHOENIX signer
    face = record["keypoints"][0, :68]
    assert face[0, 0] < face[30, 0] < face[16, 0], "jaw runs across the face, nose between"
    assert face[19, 1] < face[36, 1] < face[30, 1] < face[51, 1] < face[8, 1], "brow, eye, nose, lip, chin downwards"
    # The stored rows are exactly the chosen points of MediaPipe's own 468-point mesh.
    with mp.solutions.holistic.Holistic(model_complexity=1) as holistic:
        image = cv2.imread(str(SAMPLE / record["image_paths"][0]))
        mesh = holistic.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).face_landmarks.landmark
    expected = np.array([(mesh[i].x, mesh[i].y, mesh[i].z) for i in FACE_68_FROM_MESH], dtype=np.float32)
    np.testing.assert_array_equal(face, expected)
    assert (record["width"], record["height"]) == (210, 260)


def test_merge_catches_missing_and_duplicate_frames(sample_index, clip_records):
    index = sample_index[3:]
    ordered = check_complete(index, [("a.pkl", clip_records[1]), ("b.pkl", clip_records[0])])
    assert [r["video_id"] for r in ordered] == [v.video_id for v in index]
    with pytest.raises(InputError, match="appears twice"):
        check_complete(index, [("a.pkl", clip_records[0]), ("b.pkl", clip_records[0]), ("b.pkl", clip_records[1])])
    with pytest.raises(InputError, match="missing from every input"):
        check_complete(index, [("a.pkl", clip_records[0])])
    short = copy.deepcopy(clip_records[0])
    short["keypoints"], short["image_paths"] = short["keypoints"][:-1], short["image_paths"][:-1]
    with pytest.raises(InputError, match="8 keypoint rows"):
        check_complete(index, [("a.pkl", short), ("b.pkl", clip_records[1])])
    twice = copy.deepcopy(clip_records[0])
    twice["image_paths"][1] = twice["image_paths"][0]
    with pytest.raises(InputError, match="distinct frames"):
        check_complete(index, [("a.pkl", twice), ("b.pkl", clip_records[1])])
    with pytest.raises(InputError, match="not in the index"):
        check_complete(index[:1], [("a.pkl", clip_records[0]), ("b.pkl", clip_records[1])])


def test_merged_layout(clip_records):
    merged = merge_records(clip_records, ["train", "dev", "test"])
    assert len(merged["train"]["keypoints"]) == 0
    dev = merged["dev"]
    assert [f["frame_index"] for f in dev["keypoints"]] == list(range(9))
    assert dev["videos"] == [{"video_id": "sample_asl_clip-1", "offset": 0, "n_frames": 9, "width": 210, "height": 260}]
    assert dev["keypoints"][0]["left_hand_present"] is True
    assert merged["test"]["keypoints"][0]["right_hand_present"] is False


def test_verify_fails_on_a_single_changed_value(clip_records):
    merged = merge_records(clip_records, ["dev", "test"])
    assert compare(merged, merged)["passed"]
    tampered = copy.deepcopy(merged)
    tampered["dev"]["keypoints"][4]["keypoints"][70, 1] += 1e-6
    report = compare(merged, tampered)
    assert not report["passed"]
    assert report["splits"]["dev"]["max_abs_diff"] > 0 and report["splits"]["test"]["problems"] == []
    assert compare(merged, tampered, atol=1e-3)["passed"]
    flipped = copy.deepcopy(merged)
    flipped["test"]["keypoints"][0]["left_hand_present"] = True
    assert compare(merged, flipped)["splits"]["test"]["presence_mismatches"] == 1


def test_verify_sample_is_seeded_per_split(sample_index):
    sample = sample_videos(sample_index, 2, seed=0)
    assert sample == sample_videos(sample_index, 2, seed=0)
    assert [v.split for v in sample].count("train") == 2 and len(sample) == 4


def test_workers_per_job_fill_the_cores():
    assert workers_per_job(None, 8, 4) == 2
    assert workers_per_job(None, 2, 4) == 1
    assert workers_per_job(3, 8, 4) == 3
    assert workers_per_job(None, None, None) == 2
    assert gpu_pool_size(None, 4) == 4 and gpu_pool_size(2, 4) == 2 and gpu_pool_size(None, None) == 0
