"""A video's keypoints depend on that video alone: the engine tests' clips, alone at videos_per_batch 1 on one
torch thread, give np.array_equal keypoints and presence in the last slot of a batch of 4 beside other videos on
two threads, and in refilled slots at videos_per_batch 16. (The workflow's sharding and a resumed run are checked
in test_engine_workflow.py and test_resume.py.)"""

import numpy as np
import pytest

from conftest import skip_without_the_graph_reference

pytestmark = [pytest.mark.slow, pytest.mark.engine, pytest.mark.usefixtures("one_torch_thread")]
skip_without_the_graph_reference()

import torch  # noqa: E402

from phoenix_keypoints.engine import subgraphs  # noqa: E402
from phoenix_keypoints.engine.graph import BatchedHolistic  # noqa: E402
from phoenix_keypoints.testing import trace as engine_trace  # noqa: E402


@pytest.fixture(scope="module")
def clips() -> dict[str, list[np.ndarray]]:
    return {name: engine_trace.read_clip(name) for name in engine_trace.clip_names()}


@pytest.fixture(scope="module")
def models() -> subgraphs.Models:
    return subgraphs.Models()


@pytest.fixture(scope="module")
def alone(clips, models) -> dict:
    """Each clip on its own: videos_per_batch 1, one thread."""
    engine = BatchedHolistic(1, models=models)
    return {
        key: (keypoints, presence)
        for name, frames in clips.items()
        for key, keypoints, presence in engine.process_videos([(name, frames)])
    }


def run(videos: list, batch: int, models: subgraphs.Models) -> dict:
    engine = BatchedHolistic(batch, models=models)
    return {key: (keypoints, presence) for key, keypoints, presence in engine.process_videos(videos)}


def assert_identical(results: dict, alone: dict) -> None:
    for name, (keypoints, presence) in alone.items():
        assert np.array_equal(results[name][0], keypoints), name
        assert np.array_equal(results[name][1], presence), name


def test_in_the_last_slot_of_a_batch_of_4_on_two_threads(clips, models, alone):
    """Slots 0-2 hold three long videos (all the clips' frames one after another, each in another order) that
    last exactly as long as the clips do in sequence, so slot 3 runs every clip, refilled, beside them."""
    names = list(clips)
    companions = [
        (f"companion {k}", [frame for name in names[k:] + names[:k] for frame in clips[name]]) for k in (2, 4, 6)
    ]
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        results = run(companions + list(clips.items()), 4, models)
    finally:
        torch.set_num_threads(threads)
    assert_identical(results, alone)


def test_in_refilled_slots_of_a_batch_of_16(clips, models, alone):
    """Sixteen short videos (each clip's first frames, twice) fill the slots first; the clips then take the
    slots as those end, each next to other videos at their own frame numbers."""
    openings = [(f"{name} opening {k}", frames[: 2 + k]) for k in range(2) for name, frames in clips.items()]
    assert_identical(run(openings + list(clips.items()), 16, models), alone)
