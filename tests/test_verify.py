"""Verify: the baseline against the merged arrays, video by video, and its seeded sample."""

import copy

import pytest
from clip_records import clip_records, sample_index

from phoenix_keypoints.atomic import write_npz
from phoenix_keypoints.keypoint_sets import KeypointSet, npz_path, sets_from_records
from phoenix_keypoints.verify import compare, sample_videos


def keypoint_set(folder, sets) -> KeypointSet:
    for split, arrays in sets.items():
        write_npz(npz_path(folder, split), arrays)
    return KeypointSet(folder)


@pytest.mark.slow
def test_verify_fails_on_a_single_changed_value(tmp_path):
    sets = sets_from_records(clip_records(), ["dev", "test"], None)
    merged = keypoint_set(tmp_path / "merged", sets)
    assert compare(merged, merged)["passed"]
    tampered = copy.deepcopy(sets)
    tampered["dev"]["keypoints"][4, 70, 1] += 1e-6
    report = compare(merged, keypoint_set(tmp_path / "tampered", tampered))
    assert not report["passed"]
    assert report["splits"]["dev"]["max_abs_diff"] > 0 and report["splits"]["test"]["problems"] == []
    assert compare(merged, keypoint_set(tmp_path / "tampered", tampered), atol=1e-3)["passed"]
    flipped = copy.deepcopy(sets)
    flipped["test"]["presence"][0, 1] = True
    assert compare(merged, keypoint_set(tmp_path / "flipped", flipped))["splits"]["test"]["presence_mismatches"] == 1
    del tampered["test"]
    missing = compare(merged, keypoint_set(tmp_path / "no_test", tampered))
    assert missing["splits"]["test"]["problems"] == [
        "25October_2010_Monday_tagesschau-17: missing from the merged result"
    ]


def test_verify_sample_is_seeded_per_split():
    index = sample_index()
    sample = sample_videos(index, 2, seed=0)
    assert sample == sample_videos(index, 2, seed=0)
    assert [v.split for v in sample].count("train") == 2 and len(sample) == 4
