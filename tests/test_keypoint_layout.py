"""The 143-row layout: the 68-point face mapping on MediaPipe's own mesh, parts in their rows."""

import cv2
import mediapipe as mp
import numpy as np
import pytest
from clip_records import clip_records

from conftest import SAMPLE
from phoenix_keypoints.layout import FACE_68_FROM_MESH, PARTS, part_slice


def test_face_mapping_is_68_distinct_mesh_points():
    assert len(FACE_68_FROM_MESH) == 68 == len(set(FACE_68_FROM_MESH))
    assert all(0 <= i < 468 for i in FACE_68_FROM_MESH)
    assert [part_slice(p) for p in PARTS] == [slice(0, 68), slice(68, 89), slice(89, 110), slice(110, 143)]


@pytest.mark.slow
def test_face_points_follow_ibug_geometry():
    record = clip_records()[1]  # tagesschau-17: a frontal PHOENIX signer
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
