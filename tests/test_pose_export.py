"""The optional .pose export, read back with pose_format and compared with the NPZ."""

import numpy as np
import pytest
from pose_format import Pose
from pose_format.utils.generic import detect_known_pose_format

from conftest import AUTSL_POSE, SAMPLE, run_snakemake
from phoenix_keypoints.layout import FACE_68_FROM_MESH, PART_NAMES, part_slice

pytestmark = pytest.mark.slow

COMPONENTS = {
    "POSE_LANDMARKS": "pose",
    "FACE_LANDMARKS": "face",
    "LEFT_HAND_LANDMARKS": "left_hand",
    "RIGHT_HAND_LANDMARKS": "right_hand",
}


def undirected(limbs) -> set[frozenset]:
    return {frozenset(limb) for limb in limbs}


def read_pose(path) -> Pose:
    return Pose.read(path.read_bytes())


def test_one_pose_file_per_video_matching_the_npz(sample_run):
    # Other --cores and --resources than the run's: they rerun nothing.
    run = run_snakemake(sample_run, "export_pose", "--cores", "1", config={"dataset_path": SAMPLE})
    assert "1 of 1 steps (100%) done" in run.stdout, "export_pose needs nothing but its own job after a run"
    reference = {c.name: c for c in read_pose(AUTSL_POSE).header.components}
    for split in ("train", "dev", "test"):
        npz = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        written = sorted(p.stem for p in (sample_run / "results/pose" / split).glob("*.pose"))
        assert written == sorted(npz["video_names"])
        for name, offset, length in zip(npz["video_names"], npz["video_offsets"], npz["video_lengths"], strict=True):
            pose = read_pose(sample_run / "results/pose" / split / f"{name}.pose")
            header = pose.header
            assert detect_known_pose_format(pose) == "holistic"
            assert (header.dimensions.width, header.dimensions.height) == (210, 260)
            assert pose.body.fps == 25
            assert [c.name for c in header.components] == list(COMPONENTS)
            for component in header.components:
                if component.name == "FACE_LANDMARKS":
                    assert component.points == [str(i) for i in FACE_68_FROM_MESH]
                    assert set(component.points) <= set(reference[component.name].points)
                else:  # same names and limbs as the sign-language-processing project's holistic files
                    assert component.points == reference[component.name].points
                    assert undirected(component.limbs) == undirected(reference[component.name].limbs)
                assert all(
                    0 <= a < len(component.points) and 0 <= b < len(component.points) for a, b in component.limbs
                )
            rows = slice(int(offset), int(offset + length))
            keypoints, presence = npz["keypoints"][rows], npz["presence"][rows]
            assert pose.body.data.shape == (length, 1, 143, 3)
            start = 0
            for component in header.components:
                part = COMPONENTS[component.name]
                points = slice(start, start + len(component.points))
                start = points.stop
                present = presence[:, PART_NAMES.index(part)]
                confidence = pose.body.confidence[:, 0, points]
                np.testing.assert_array_equal(confidence, np.repeat(present[:, None], len(component.points), axis=1))
                data = np.asarray(pose.body.data.data[:, 0, points])
                expected = keypoints[:, part_slice(part)] * np.float32([210, 260, 1])
                np.testing.assert_allclose(data[present], expected[present], rtol=1e-6, atol=1e-4)
                assert pose.body.data.mask[:, 0, points][~present].all()
