"""The torch engine's frame feed (frame_decoders): the real sample's PNG folders decoded by worker processes and
a real video file read ahead by a thread give every frame of every video, in order, exactly as the sources read
in the job's own process do, undecodable frames included; a decoder process that dies is a clear error."""

import shutil

import numpy as np
import pytest

from conftest import SAMPLE, SHARED_DATA
from phoenix_keypoints.frame_decoders import CHUNK_FRAMES, VIDEOS_AHEAD, FrameDecoders
from phoenix_keypoints.frame_sources import DecodedVideo, PngFrames

FRAME_FOLDERS = sorted((SAMPLE / "features/fullFrame-210x260px").glob("*/*"))
AUTSL = SHARED_DATA / "autsl-sample/signer0_sample1000_color.mp4"


def png_source(folder) -> PngFrames:
    return PngFrames(sorted(folder.glob("*.png")), folder.name)


def assert_same_frames(decoded: list, expected: list) -> None:
    assert [(reference, reason, time) for reference, _, reason, time in decoded] == [
        (reference, reason, time) for reference, _, reason, time in expected
    ]
    for (reference, image, _, _), (_, expected_image, _, _) in zip(decoded, expected, strict=True):
        assert (image is None and expected_image is None) or np.array_equal(image, expected_image), reference


def test_every_frame_in_order_as_the_sources_read_them(tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(FRAME_FOLDERS[-1], damaged)
    frames = sorted(damaged.glob("*.png"))
    frames[CHUNK_FRAMES + 1].write_bytes(b"")  # inside the second chunk
    frames[-1].write_bytes(frames[-1].read_bytes()[:100])
    # More videos than are started ahead, so that some start while others are consumed.
    sources = [png_source(folder) for folder in FRAME_FOLDERS] * 2 + [png_source(damaged)]
    sources.append(DecodedVideo(AUTSL, "autsl.mp4"))
    assert len(sources) > VIDEOS_AHEAD
    keyed = [(f"video{i}", source) for i, source in enumerate(sources)]
    with FrameDecoders(2) as decoders:
        decoded = [(key, list(frames)) for key, frames in decoders.videos(keyed)]
    assert [key for key, _ in decoded] == [key for key, _ in keyed]
    for (_, frames), (_, source) in zip(decoded, keyed, strict=True):
        assert_same_frames(frames, list(source.frames()))
    damaged_frames = decoded[-2][1]
    assert [reason for _, _, reason, _ in damaged_frames if reason] == [
        "empty file (0 bytes)",
        f"corrupt or truncated PNG ({100} bytes)",
    ]
    assert len(decoded[-1][1]) == 43


def test_a_decoder_process_that_dies_is_a_clear_error():
    with FrameDecoders(1) as decoders:
        videos = decoders.videos([("video", png_source(FRAME_FOLDERS[-1]))])
        _, frames = next(videos)
        frames = iter(frames)
        next(frames)
        for process in decoders._pool._processes.values():  # as the out-of-memory killer would
            process.kill()
        with pytest.raises(RuntimeError, match="a frame decoder process died .* rerun the workflow to resume"):
            list(frames)
