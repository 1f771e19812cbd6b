"""The QC pictures and figures of a run, and the HTML report that gathers them."""

import base64
import json
import re

import cv2
import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE, run_snakemake
from phoenix_keypoints.layout import PART_NAMES, PARTS
from phoenix_keypoints.qc_frames import PART_COLOURS, title_height
from phoenix_keypoints.run_summary import plural

pytestmark = pytest.mark.slow

PALETTE = {part: np.array(rgb[::-1]) for part, rgb in PART_COLOURS.items()}  # BGR, as cv2 reads


def qc_frames(workdir, split):
    return sorted((workdir / "results/qc/frames" / split).glob("*.png"))


def test_qc_frames_are_the_frames_with_the_keypoints_drawn(sample_run):
    assert {split: len(qc_frames(sample_run, split)) for split in ("train", "dev", "test")} == {
        "train": 3,
        "dev": 3,
        "test": 2,
    }
    # The middle frame of the 20-frame soup-1: row 10, images0011.png, labelled with its own number.
    assert [p.name for p in qc_frames(sample_run, "train")][0] == "sample_asl_soup-1_frame0011.png"
    for split in ("train", "dev", "test"):
        npz = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz", allow_pickle=False)
        for path in qc_frames(sample_run, split):
            video, frame = re.fullmatch(r"(.+)_frame(\d{4})\.png", path.name).groups()
            row = np.flatnonzero(
                (npz["video_ids"] == video) & np.char.endswith(npz["image_paths"], f"/images{frame}.png")
            )[0]
            source = cv2.imread(str(SAMPLE / npz["image_paths"][row]))
            height, width = source.shape[:2]
            picture = cv2.imread(str(path))
            top = title_height(width, split, video, int(frame))  # the title band, then the frame, then the legend
            drawn = picture[top : top + height]
            assert drawn.shape == source.shape == (260, 210, 3) and picture.shape[0] > top + height
            changed = np.any(drawn != source, axis=2)
            near_parts = np.zeros_like(changed)
            for part, present in zip(PART_NAMES, npz["presence"][row], strict=True):
                if not present:
                    continue
                start, count = PARTS[part]
                xy = np.rint(npz["keypoints"][row, start : start + count, :2] * (width, height)).astype(int)
                # Lines join points of one part: they stay inside its (slightly grown) bounding box.
                x0, y0 = np.maximum(xy.min(axis=0) - 2, 0)
                x1, y1 = xy.max(axis=0) + 3
                near_parts[y0:y1, x0:x1] = True
                inside = xy[(xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)]
                colours = drawn[inside[:, 1], inside[:, 0]]
                own = np.all(colours == PALETTE[part], axis=1)
                # Hands are drawn last, so every hand point shows its colour; face and pose at least mostly.
                assert own.all() if part == "right_hand" else own.mean() > 0.5, (path.name, part)
            assert changed.sum() > 200, path.name
            assert not (changed & ~near_parts).any(), f"{path.name}: pixels changed away from the keypoints"
            palette = np.array(list(PALETTE.values()))
            changed_colours = drawn[changed]
            assert (changed_colours[:, None, :] == palette[None]).all(axis=2).any(axis=1).all(), path.name


def test_detection_rates_and_hand_presence(sample_run):
    rates = pd.read_csv(sample_run / "results/qc/detection_rates.tsv", sep="\t")
    hands = pd.read_csv(sample_run / "results/qc/hand_presence.tsv", sep="\t")
    for split in ("train", "dev", "test"):
        presence = np.load(sample_run / f"results/model_input_data/{split}_keypoints.npz")["presence"]
        for part_index, part in enumerate(PART_NAMES):
            row = rates[(rates["split"] == split) & (rates["part"] == part)].iloc[0]
            assert row["frames"] == len(presence) and row["detected"] == presence[:, part_index].sum()
            assert abs(row["rate"] - presence[:, part_index].mean()) < 1e-4
    webcam = hands.set_index("video_id").loc["sample_asl_webcam-1"]
    assert webcam["frames"] == 58 and webcam["left_hand"] == 0 and 0 < webcam["right_hand"] < 1
    assert hands.set_index("video_id").loc["25October_2010_Monday_tagesschau-17", "either_hand"] == 0
    for plot in ("detection_rates.png", "hand_presence.png"):
        image = cv2.imread(str(sample_run / "results/qc" / plot))
        assert image is not None and image.shape[0] > 200 and image.shape[1] > 400 and image.std() > 10
    shards = pd.read_csv(sample_run / "results/qc/extraction_stats.tsv", sep="\t")
    assert len(shards) == 5 and shards["frames"].sum() == 110  # num_shards 8, capped at the 5 videos


def test_report_holds_plan_statistics_and_pictures(sample_run):
    run_snakemake(sample_run, "--report", "report.html", config={"dataset_path": SAMPLE})
    html = (sample_run / "report.html").read_text()
    embedded = dict(re.findall(r"data:[\w/+.-]+;charset=utf8;filename=([^;]+);base64,([A-Za-z0-9+/=]+)", html))
    results = [p for split in ("train", "dev", "test") for p in qc_frames(sample_run, split)]
    results += [
        sample_run / "results/qc" / name
        for name in (
            "detection_rates.png",
            "hand_presence.png",
            "detection_rates.tsv",
            "hand_presence.tsv",
            "extraction_stats.tsv",
        )
    ]
    for path in results:
        assert base64.b64decode(embedded[path.name]) == path.read_bytes(), path.name
    for text in ("Keypoints on frames", "Detection", "Run statistics", "rulegraph", "iBUG-300W"):
        assert text in html, text
    # The first page: the summary's numbers (verification, videos and frames per split, settings).
    summary = (sample_run / "results/summary.txt").read_text()
    verified = json.loads((sample_run / "results/verify/verification.json").read_text())["splits"].values()
    frames = sum(entry["frames"] for entry in verified)
    # verify: videos_per_split 10 takes all 5 of the sample's videos.
    assert sum(entry["videos"] for entry in verified) == 5
    assert f"Keypoints of {SAMPLE}" in summary and f"Verification passed: 5 videos, {frames} frames" in summary
    assert re.search(r"^train +3 +99 +0 +0$", summary, re.MULTILINE) and "min_detection_confidence 0.5" in summary
    for line in summary.splitlines():
        assert line.replace("&", "&amp;") in html, line
    assert plural(1, "video") == "1 video" and plural(3, "video") == "3 videos"  # the hand-presence panels' titles
