"""Merge: shard records into per-split arrays, every indexed frame exactly once, and the seed format."""

import copy

import numpy as np
import pytest
from clip_records import clip_records, sample_index

from phoenix_keypoints.atomic import write_json, write_pickle
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.keypoint_sets import from_seed_split, seed_columns, sets_from_records, to_seed_split
from phoenix_keypoints.merge import merge_indexed, merge_unindexed

pytestmark = pytest.mark.slow  # real MediaPipe records
SETTINGS = {"model_complexity": 1}


@pytest.fixture(scope="module")
def records():
    return clip_records()


def shard_files(folder, *groups):
    """One shard file per group of records, each with its stats beside it (shard_N.json: the frame counts that
    decoding found, here the indexed ones)."""
    indexed = {video.key: video.n_frames for video in sample_index()}
    paths = []
    for i, group in enumerate(groups):
        paths.append(folder / f"shard_{i}.pkl")
        write_pickle(paths[-1], {"shard": i, "settings": SETTINGS, "videos": list(group)})
        counts = {key: indexed[key] for r in group for key in [f"{r['split']}/{r['video_id']}"]}
        write_json(paths[-1].with_suffix(".json"), {"shard": i, "video_frames": counts})
    return paths


def merged(index, shards, splits):
    """merge_indexed with the stats of those shards."""
    return merge_indexed(index, shards, [path.with_suffix(".json") for path in shards], splits)


def test_merge_puts_every_video_in_index_order(records, tmp_path):
    index = sample_index()[3:]
    sets = merged(index, shard_files(tmp_path, [records[1]], [records[0]]), ["train", "dev", "test"])
    assert list(sets) == ["train", "dev", "test"] and len(sets["train"]["keypoints"]) == 0
    dev = sets["dev"]
    assert dev["video_names"].tolist() == ["sample_asl_clip-1"] and dev["frame_index"].tolist() == list(range(9))
    np.testing.assert_array_equal(dev["keypoints"], records[0]["keypoints"])
    assert dev["image_paths"].tolist() == records[0]["image_paths"]
    assert (dev["video_widths"].tolist(), dev["video_heights"].tolist()) == ([210], [260])
    assert not sets["test"]["presence"][:, 1:3].any()


def test_merge_catches_missing_and_duplicate_frames(records, tmp_path):
    index, splits = sample_index()[3:], ["dev", "test"]
    with pytest.raises(InputError, match="appears twice"):
        merged(index, shard_files(tmp_path, [records[0]], [records[0], records[1]]), splits)
    with pytest.raises(InputError, match="missing from every input"):
        merged(index, shard_files(tmp_path, [records[0]]), splits)
    short = copy.deepcopy(records[0])
    short["keypoints"], short["image_paths"] = short["keypoints"][:-1], short["image_paths"][:-1]
    with pytest.raises(InputError, match="8 keypoint rows"):
        merged(index, shard_files(tmp_path, [short, records[1]]), splits)
    twice = copy.deepcopy(records[0])
    twice["image_paths"][1] = twice["image_paths"][0]
    with pytest.raises(InputError, match="8 distinct frames"):
        merged(index, shard_files(tmp_path, [twice, records[1]]), splits)
    with pytest.raises(InputError, match="not in the index"):
        merged(index[:1], shard_files(tmp_path, records), splits)
    with pytest.raises(InputError, match="different settings"):
        paths = shard_files(tmp_path, [records[0]], [records[1]])
        write_pickle(paths[1], {"shard": 1, "settings": {"model_complexity": 2}, "videos": [records[1]]})
        merged(index, paths, splits)


def test_merge_refuses_missing_stats_by_name(records, tmp_path):
    index, splits = sample_index()[3:], ["dev", "test"]
    shards = shard_files(tmp_path, [records[0]], [records[1]])
    stats = [path.with_suffix(".json") for path in shards]
    stats[1].unlink()
    with pytest.raises(InputError, match=f"{stats[1]} is missing"):
        merge_indexed(index, shards, stats, splits)
    no_count = "test/25October_2010_Monday_tagesschau-17 in .*shard_1.pkl has no decoded frame count"
    with pytest.raises(InputError, match=no_count):
        merge_indexed(index, shards, stats[:1], splits)


def test_merge_without_index_keeps_input_order_and_refuses_duplicates(records, tmp_path):
    sets = merge_unindexed(shard_files(tmp_path, [records[1]], [records[0]]), None)
    assert list(sets) == ["test", "dev"]
    with pytest.raises(InputError, match="appears twice"):
        merge_unindexed(shard_files(tmp_path, records, [records[0]]), None)


def test_seed_format_round_trip(records):
    marked = copy.deepcopy(records[0])
    marked["bad_frames"] = [(4, "empty file (0 bytes)")]
    sets = sets_from_records([marked, records[1]], ["train", "dev", "test"], SETTINGS)
    seed = {split: to_seed_split(arrays) for split, arrays in sets.items()}
    dev = seed["dev"]
    assert [f["frame_index"] for f in dev["keypoints"]] == list(range(9))
    assert dev["videos"] == [
        {
            "video_id": "sample_asl_clip-1",
            "offset": 0,
            "n_frames": 9,
            "width": 210,
            "height": 260,
            "fps": 0.0,
            "rotation": 0,
            "vfr": False,
            "speaker": "SignerASL3",
            "orth": "BEISPIEL",
            "translation": "a short clip with both hands raised",
        }
    ]
    assert dev["keypoints"][0]["left_hand_present"] is True
    assert dev["bad_frames"] == [
        {
            "video_id": "sample_asl_clip-1",
            "frame_index": 4,
            "image_path": marked["image_paths"][4],
            "reason": "empty file (0 bytes)",
        }
    ]
    assert seed["test"]["keypoints"][0]["right_hand_present"] is False and dev["settings"] == SETTINGS
    for split, arrays in sets.items():
        back = from_seed_split(seed[split], seed_columns(seed))
        assert list(back) == list(arrays)
        for name in arrays:
            np.testing.assert_array_equal(back[name], arrays[name], err_msg=name)
            assert back[name].dtype == arrays[name].dtype, name
