"""What a new user meets (issue 18): own videos through make and the CLI, settings that stick and say so, null
from the command line, messages that name the manifest, the report's first page, the QC pictures, the ETA."""

import logging
import os
import pickle
import re
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from conftest import SAMPLE, SHARED_DATA, copy_sample, run_cli, run_snakemake
from phoenix_keypoints import plan
from phoenix_keypoints.errors import InputError
from phoenix_keypoints.extract import Progress
from phoenix_keypoints.index import select_videos
from phoenix_keypoints.run_settings import write_record
from phoenix_keypoints.testing import REPO
from phoenix_keypoints.videos import DatasetPaths

# .ci/run sets it: there the report must be rendered in Chromium, never skipped.
CHROMIUM_REQUIRED = os.environ.get("PHOENIX_REQUIRE_CHROMIUM") == "1"
# Appended to the report: once its scripts have drawn the first page, every element whose content is wider than
# its box (cut off, or behind a scroll bar), and the page's own overflow, written into the page for --dump-dom.
OVERFLOW_PROBE = r"""<script>
setTimeout(function () {
  var root = document.documentElement, wide = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      wide.push(el.tagName + " " + el.scrollWidth + ">" + el.clientWidth + ": " + el.textContent.slice(0, 60));
    }
  });
  var probe = document.createElement("pre");
  probe.id = "overflow-probe";
  probe.textContent = "page " + root.scrollWidth + " " + root.clientWidth + "\n" + wide.join("\n") + "\nend-probe";
  document.body.appendChild(probe);
}, 3000);
</script>
"""
FOOTBALL = SHARED_DATA / "signing-clips/FOOTBALL.mp4"
FRAMES = SAMPLE / "features/fullFrame-210x260px"
TAGESSCHAU = FRAMES / "test/25October_2010_Monday_tagesschau-17"  # 2 frames
ASL_CLIP = FRAMES / "dev/sample_asl_clip-1"  # 9 frames


def default_config() -> dict:
    return yaml.safe_load((REPO / "config/config.yaml").read_text())


def write_manifest(path, rows: list[tuple[str, str, object]]):
    path.write_text("split\tvideo_id\tpath\n" + "".join(f"{s}\t{v}\t{p}\n" for s, v, p in rows), encoding="utf-8")
    return path


def test_make_takes_a_manifest_as_it_takes_a_dataset():
    dry = subprocess.run(
        ["make", "-n", "run", "MANIFEST=/data/videos.tsv", "ENGINE=torch"], cwd=REPO, capture_output=True, text=True
    )
    runs = [line for line in dry.stdout.splitlines() if "snakemake --cores" in line]
    assert runs and '"manifest=/data/videos.tsv"' in runs[0] and "engine=torch" in runs[0], dry.stdout
    assert "`make run MANIFEST=" in (REPO / "README.md").read_text(), "the README's make table shows it"


@pytest.mark.parametrize("kind", ["file", "folder of videos", "folder of split folders"])
def test_video_files_as_dataset_path_point_to_a_manifest(tmp_path, kind):
    if kind == "file":
        dataset = write_manifest(tmp_path / "videos.tsv", [("train", "football", FOOTBALL)])
    else:
        dataset = tmp_path / "videos"
        folder = dataset / "train" if kind == "folder of split folders" else dataset
        folder.mkdir(parents=True)
        (folder / "football.mp4").symlink_to(FOOTBALL)
    config = default_config() | {"dataset_path": str(dataset)}
    with pytest.raises(InputError) as error:
        plan.check_config(config)
    message = str(error.value)
    assert "--config manifest=" in message and "MANIFEST=" in message and "phoenix-keypoints manifest" in message
    assert "pass the release root" not in message


def test_manifest_runs_count_what_the_manifest_lists(tmp_path, capsys):
    manifest = write_manifest(tmp_path / "videos.tsv", [("train", "clip", ASL_CLIP), ("test", "news", TAGESSCHAU)])
    config = default_config() | {"manifest": str(manifest), "num_shards": 8}
    plan.check_config(config)
    plan.adjust_config(config)
    assert config["num_shards"] == 2
    assert "num_shards 8 is more than the 2 videos the manifest lists: 2 shards instead" in capsys.readouterr().err
    broken = write_manifest(tmp_path / "broken.tsv", [("train", "clip", tmp_path / "missing")])
    with pytest.raises(InputError, match=r"split 'train' \(the manifest lists 1\)"):
        select_videos(DatasetPaths(tmp_path), ["train"], "skip", None, broken)


@pytest.mark.slow
def test_extract_takes_one_frame_folder(sample_run, tmp_path):
    release_expected = run_cli("extract", "--dataset_path", TAGESSCHAU, "--output_path", tmp_path / "k.pkl")
    assert release_expected.returncode == 1 and "--video PATH" in release_expected.stderr, release_expected.stderr
    assert "--manifest" in release_expected.stderr and "corpus CSV not found" not in release_expected.stderr
    one = run_cli("extract", "--video", TAGESSCHAU, "--output_path", tmp_path / "k.pkl")
    assert one.returncode == 0, one.stderr
    keypoints = pickle.loads((tmp_path / "k.pkl").read_bytes())
    assert list(keypoints) == ["video"] and [v["video_id"] for v in keypoints["video"]["videos"]] == [TAGESSCHAU.name]
    workflow = np.load(sample_run / "results/model_input_data/test_keypoints.npz", allow_pickle=False)
    np.testing.assert_array_equal(
        np.stack([f["keypoints"] for f in keypoints["video"]["keypoints"]]), workflow["keypoints"]
    )


def test_null_from_the_command_line(tmp_path):
    run = run_snakemake(
        tmp_path,
        "-n",
        config={
            "dataset_path": SAMPLE,
            "max_samples_per_split": "null",
            "num_gpus": "None",
            "threads_per_job": "~",
            "manifest": "null",
        },
    )
    assert "ValidationError" not in run.stdout and "index" in run.stdout


@pytest.mark.slow
def test_kept_settings_are_said_with_the_way_to_change_them(tmp_path):
    chosen = {"dataset_path": str(SAMPLE), "engine": "torch", "max_samples_per_split": 1}
    write_record(default_config() | chosen, chosen, tmp_path / "results")
    plain = run_snakemake(tmp_path, "-n")
    assert (
        "Kept from the run in results/ (results/settings.yaml), as this command does not choose them:" in plain.stdout
    )
    assert "  engine=torch: to change it, --config engine=mediapipe (make: ENGINE=mediapipe)" in plain.stdout
    assert "  max_samples_per_split=1: to change it, --config max_samples_per_split=null" in plain.stdout
    back = run_snakemake(tmp_path, "-n", config={"max_samples_per_split": "null", "engine": "mediapipe"})
    assert "max_samples_per_split=1" not in back.stdout and "engine=torch" not in back.stdout
    assert f"  dataset_path={SAMPLE}: one results folder holds one dataset" in back.stdout


def test_help_of_resume_and_extract():
    resume = run_cli("resume", "--help")
    assert resume.returncode == 0
    for forwarded in ("--cores", "--resources gpu=N", "--config", "--directory", "--profile", "examples:"):
        assert forwarded in resume.stdout, resume.stdout
    assert "phoenix-keypoints resume --cores 8 --resources gpu=4" in resume.stdout
    extract = run_cli("extract", "--help")
    assert "of a release," in extract.stdout and "manifest" in extract.stdout and "--video" in extract.stdout


def test_the_eta_leaves_out_start_up(monkeypatch, caplog):
    clock = iter([0.0, 600.0, 610.0, 620.0])  # 10 minutes of start-up, then 100 frames each 10 s
    monkeypatch.setattr("phoenix_keypoints.extract.time", SimpleNamespace(time=lambda: next(clock)))
    progress = Progress("shard 0", 4, 400)
    with caplog.at_level(logging.INFO, logger="phoenix_keypoints.extract"):
        progress.start()
        for _ in range(3):
            progress.add(100, 100)  # frames decoded, of those the index counted
    lines = [record.getMessage() for record in caplog.records]
    assert lines[0].endswith("ETA estimating…"), lines
    assert lines[1].endswith("10.0 frames/s, ETA 20s") and lines[2].endswith("ETA 10s"), lines


@pytest.mark.slow
def test_the_reports_first_page_fits_a_1280_px_window_and_names_dataset_and_engine(sample_run, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        if CHROMIUM_REQUIRED:
            pytest.fail("PHOENIX_REQUIRE_CHROMIUM=1 but chromium is not installed")
        pytest.skip("chromium (Debian's package) is not installed")
    report = tmp_path / "report.html"
    run_snakemake(sample_run, "--report", str(report))
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8") + OVERFLOW_PROBE, encoding="utf-8")
    rendered = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,900",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = re.search(r'<pre id="overflow-probe">page (\d+) (\d+)\n(.*?)end-probe', rendered.stdout, re.S)
    assert found, rendered.stderr[-3000:]
    page_width, window_width, wide = int(found[1]), int(found[2]), found[3].strip()
    assert page_width <= window_width and not wide, f"wider than the window or than their boxes:\n{wide}"
    assert "Keypoints of the PHOENIX-2014-T release" in rendered.stdout
    assert "by\nMediaPipe Holistic (its Python API, on the CPU)" in rendered.stdout


def test_the_reports_first_page_names_a_manifest_and_the_torch_engine():
    import jinja2

    config = default_config() | {"manifest": "/data/videos.tsv", "engine": "torch", "splits": ["train"]}
    text = jinja2.Environment().from_string((REPO / "report/workflow.rst").read_text())
    first_page = text.render(snakemake=SimpleNamespace(config=config))
    assert "Keypoints of the videos listed in the manifest ``/data/videos.tsv``" in first_page
    assert "PHOENIX-2014-T release" not in first_page and "phoenix-mini" not in first_page
    assert "by\nthe torch engine" in first_page and "runs\nthe torch engine over each shard" in first_page


def test_a_manifest_without_splits_gives_the_splits_it_lists(tmp_path):
    manifest = write_manifest(tmp_path / "videos.tsv", [("train", "clip", ASL_CLIP), ("test", "news", TAGESSCHAU)])
    own = run_snakemake(tmp_path / "own", "-n", config={"manifest": manifest})
    assert "split=train" in own.stdout and "split=test" in own.stdout and "split=dev" not in own.stdout
    named = run_snakemake(tmp_path / "named", "-n", config={"manifest": manifest, "splits": "[train, dev]"})
    assert "split=dev" in named.stdout and "split=test" not in named.stdout, "an empty split only when named"


def test_the_videos_that_changed_since_the_last_index_are_named(tmp_path):
    dataset = copy_sample(tmp_path / "data")
    index = "results/index/corpus.tsv"
    run_snakemake(tmp_path / "work", index, "--cores", "1", config={"dataset_path": dataset})
    frame = dataset / "features/fullFrame-210x260px/train/sample_asl_soup-2/images0003.png"
    frame.write_bytes((dataset / "features/fullFrame-210x260px/train/sample_asl_soup-2/images0004.png").read_bytes())
    (dataset / "features/fullFrame-210x260px/dev/sample_asl_clip-1/images0009.png").unlink()
    shutil.copytree(dataset / "features/fullFrame-210x260px/dev/sample_asl_clip-1", dataset / "new-in-no-csv")
    shutil.move(dataset / "new-in-no-csv", dataset / "features/fullFrame-210x260px/dev/sample_asl_clip-2")
    named = (
        "3 videos changed since the last index (results/journal/index_sources.json): "
        "dev/sample_asl_clip-1 (frames or file changed), dev/sample_asl_clip-2 (new), "
        "train/sample_asl_soup-2 (frames or file changed)"
    )
    dry = run_snakemake(tmp_path / "work", index, "-n", config={"dataset_path": dataset})
    assert named in dry.stdout and "Params have changed" in dry.stdout, dry.stdout[-3000:]
    run_snakemake(tmp_path / "work", index, "--cores", "1", config={"dataset_path": dataset, "on_bad_video": "skip"})
    assert named in (tmp_path / "work/results/logs/index.log").read_text()


@pytest.mark.slow
def test_each_qc_picture_has_a_title_and_a_legend(sample_run):
    import cv2

    from phoenix_keypoints.qc_frames import PART_COLOURS, SWATCH, title_height, title_lines

    picture = cv2.imread(str(sample_run / "results/qc/frames/train/sample_asl_soup-1_frame0011.png"))
    top = title_height(210, "train", "sample_asl_soup-1", 11)
    assert picture.shape[1] == 210 and picture.shape[0] > top + 260, "the frame, with a band above and below"
    title = " ".join(title_lines(210, "train", "sample_asl_soup-1", 11))
    assert "sample_asl_soup-1" in title and "frame 11" in title and "split train" in title
    assert np.any(picture[:top] != picture[0, 0], axis=2).sum() > 100, "the title is written in its band"
    legend = picture[top + 260 :]
    for part, rgb in PART_COLOURS.items():
        assert np.all(legend == rgb[::-1], axis=2).sum() >= SWATCH * SWATCH, f"{part}'s colour in the legend"
