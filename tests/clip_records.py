"""Real MediaPipe records of the sample's dev clip and PHOENIX test video, as the extraction jobs store them."""

from conftest import SAMPLE
from phoenix_keypoints.extract import video_record
from phoenix_keypoints.frame_folders import video_source
from phoenix_keypoints.holistic import HolisticSettings, create_holistic, extract_video
from phoenix_keypoints.index import build_index
from phoenix_keypoints.videos import DatasetPaths


def sample_index():
    return build_index(DatasetPaths(SAMPLE), ["train", "dev", "test"])[0]


def clip_records() -> list[dict]:
    """sample_asl_clip-1 (dev, 9 frames) and 25October_2010_Monday_tagesschau-17 (test, 2 frames)."""
    records = []
    with create_holistic(HolisticSettings()) as holistic:
        for video in sample_index()[3:]:
            records.append(video_record(video, extract_video(holistic, video_source(SAMPLE, video), "fail")))
    return records
