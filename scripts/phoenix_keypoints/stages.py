"""The workflow's stages: one function per Snakemake rule, named after it.

Each rule's script (scripts/<rule>.py) calls its function here, and the `phoenix-keypoints`
command calls the same functions, so a stage has one implementation whichever way it runs.
Inputs and outputs are paths; the functions log what they did. The QC and pose-format stages import
their plotting and drawing libraries (pandas, matplotlib, OpenCV, MediaPipe's drawing specs) themselves:
importing this module stays light, so that an extraction job takes its GPU slot before anything heavy.
"""

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .atomic import link_or_copy, write_json, write_npz, write_pickle, write_text
from .errors import InputError
from .extract import extract_in_process, iso, recorded_settings, run_shard
from .fingerprints import changed_since_last_index, source_fingerprints
from .gpu_slots import acquire_gpu_slot
from .holistic import HolisticSettings
from .index import select_videos
from .keypoint_sets import KeypointSet, npz_path, sets_from_records, split_of, write_bad_frames, write_seed_pickle
from .manifest import write_manifest
from .merge import log_sets, merge_indexed, merge_unindexed
from .noise_floor import floor_sets
from .sharding import assign_shards, shard_loads
from .tables import read_videos, videos_of_shard, write_skipped, write_videos
from .verify import FloorLimits, SampledRun, check_passed, compare, compare_with_floor, require_passed
from .videos import DatasetPaths

log = logging.getLogger(__name__)
SINGLE_VIDEO_SPLIT = "video"  # extract --video


def _write_npz_files(sets: Iterable[tuple[str, dict]], npz_dir: str | Path) -> None:
    """{split}_keypoints.npz in npz_dir for each (split, arrays): one split in memory at a time when sets is lazy."""
    for split, arrays in sets:
        path = npz_path(npz_dir, split)
        write_npz(path, arrays)
        log.info("%s: %s -> %s", split, arrays["keypoints"].shape, path)


def index(
    *,
    dataset_path: str,
    annotations_subdir: str,
    frames_subdir: str,
    splits: list[str],
    max_samples_per_split: int | None,
    on_bad_video: str,
    corpus: str,
    skipped: str,
    manifest: str | None = None,
    video_rotation: str = "auto",
    sources_record: str | None = None,
) -> None:
    """Every video of the splits with its frames (corpus.tsv), and the videos left out (skipped.tsv): from the
    PHOENIX layout under dataset_path, or from a manifest (video files turned as video_rotation says).
    sources_record: each video's fingerprint, to say which videos changed since the index before."""
    dataset = DatasetPaths(Path(dataset_path), annotations_subdir, frames_subdir)
    manifest_path = Path(manifest) if manifest else None
    if sources_record:
        _, sources = source_fingerprints(dataset, splits, manifest_path)
        if Path(sources_record).is_file():
            log.info("%s", changed_since_last_index(sources_record, sources) or "no video changed since the last index")
    videos, problems = select_videos(
        dataset, list(splits), on_bad_video, max_samples_per_split, manifest_path, video_rotation
    )
    write_skipped(skipped, problems)
    write_videos(corpus, videos)
    if sources_record:  # once indexed: a failed index names the same changes next time
        Path(sources_record).parent.mkdir(parents=True, exist_ok=True)
        write_json(sources_record, sources)
    frames = sum(v.n_frames for v in videos)
    source = manifest_path or dataset.root
    log.info("indexed %d videos, %d frames (%d problems skipped) from %s", len(videos), frames, len(problems), source)


def shard(*, corpus: str, num_shards: int, videos: str) -> None:
    """The indexed videos with their shard: whole videos, balanced by frame count."""
    assigned = assign_shards(read_videos(corpus), num_shards)
    write_videos(videos, assigned)
    log.info("frames per shard: %s", shard_loads(assigned, num_shards))


def extract(
    *, videos: str, shard_id: int, dataset_path: str, holistic: dict, on_bad_frame: str, workers: int,
    gpu_pool: int, gpu_slot_dir: str, journal_dir: str, keypoints: str, stats: str, job_started: float,
    engine: str = "mediapipe", torch_engine: dict | None = None,
) -> None:  # fmt: skip
    """One shard's videos through Holistic, holding a GPU slot: MediaPipe on `workers` processes, or the torch
    engine on the slot's GPU (or the CPU)."""
    with acquire_gpu_slot(gpu_pool, gpu_slot_dir) as slot:
        slot_since = time.time()  # a job may wait for its slot: it holds the GPU from here, not from its start
        log.info("shard %d: CUDA_VISIBLE_DEVICES=%s (%s)", shard_id, slot.cuda_visible_devices, slot.source)
        settings = HolisticSettings.from_config(holistic)
        records, shard_stats = run_shard(
            shard_id,
            videos_of_shard(videos, shard_id),
            Path(dataset_path),
            settings,
            workers,
            on_bad_frame,
            Path(journal_dir),
            job_started,
            engine,
            torch_engine,
        )
        shard_stats["gpu_slot"] = slot.source
        shard_stats["gpu_slot_since"] = iso(slot_since)
        write_pickle(
            keypoints,
            {"shard": shard_id, "settings": recorded_settings(settings, engine, torch_engine), "videos": records},
        )
        write_json(stats, shard_stats)
        log.info("shard %d done: %s", shard_id, shard_stats)


def extract_dataset(
    *,
    dataset_path: str | None,
    splits: list[str],
    settings: HolisticSettings,
    on_bad_video: str,
    on_bad_frame: str,
    max_samples_per_split: int | None,
    output_path: str,
    annotations_subdir: str = DatasetPaths.annotations_subdir,
    frames_subdir: str = DatasetPaths.frames_subdir,
    manifest: str | None = None,
    video_rotation: str = "auto",
) -> None:
    """A whole release (or a manifest's videos) in this process, no shards, no journal: the seed-format pickle."""
    root = Path(manifest).parent if manifest else Path(dataset_path)
    dataset = DatasetPaths(root, annotations_subdir, frames_subdir)
    if not manifest and not (root / annotations_subdir).is_dir():
        raise InputError(
            f"{root} has no {annotations_subdir}/ folder: it is not a PHOENIX-2014-T release.\n"
            "Fix: for one video file or frame folder, --video PATH; for several, --manifest FILE "
            "(phoenix-keypoints manifest writes one from a folder of videos); for a release, its root folder."
        )
    manifest_path = Path(manifest) if manifest else None
    chosen, _ = select_videos(dataset, splits, on_bad_video, max_samples_per_split, manifest_path, video_rotation)
    _check_writable(output_path)
    records = extract_in_process(dataset.root, chosen, settings, on_bad_frame, "extract")
    write_seed_pickle(output_path, sets_from_records(records, splits, settings.recorded()))
    log.info("wrote %s", output_path)


def extract_one_video(*, video: str | Path, settings: HolisticSettings, on_bad_frame: str, output_path: str) -> None:
    """One video file or frame folder, as a one-row manifest: split SINGLE_VIDEO_SPLIT, its name as video_id."""
    video = Path(video).resolve()
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "video.tsv"
        write_text(
            manifest,
            f"split\tvideo_id\tpath\n{SINGLE_VIDEO_SPLIT}\t{video.stem if video.is_file() else video.name}\t{video}\n",
        )
        extract_dataset(
            dataset_path=None,
            splits=[SINGLE_VIDEO_SPLIT],
            settings=settings,
            on_bad_video="fail",
            on_bad_frame=on_bad_frame,
            max_samples_per_split=None,
            output_path=output_path,
            manifest=str(manifest),
        )


def _check_writable(path: str) -> None:
    """Fail before hours of extraction, not after, when the output cannot be written."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise InputError(f"the folder of {path} does not exist. Fix: create {folder} or choose another path.")


def manifest(*, root: str, output: str, split: str | None = None) -> int:
    """A manifest of the video files under root/<split>/ (or under root, for one split): the rows written."""
    rows = write_manifest(Path(root), Path(output), split)
    log.info("%d videos -> %s", rows, output)
    return rows


def merge(
    *,
    shards: list,
    npz_dir: str | None = None,
    splits: list[str] | None = None,
    bad_frames: str | None = None,
    videos: str | None = None,
    seed_pickle: str | None = None,
    stats: list | None = None,
) -> None:
    """Shard files into per-split arrays ({split}_keypoints.npz in npz_dir, and/or a seed-format pickle).

    With the index (videos.tsv) and the shards' stats (shard_N.json, the decoded frame counts): every indexed
    frame exactly once, in index order. Without it: in input order, a video found twice is refused, a missing
    one cannot be noticed.
    """
    if videos is not None:
        if not stats:
            raise InputError(
                f"merging with the index {videos} needs the shards' stats (shard_N.json): the decoded frame counts.\n"
                "Fix: pass them too (phoenix-keypoints merge --stats results/shards/shard_*.json)."
            )
        index_videos = read_videos(videos)
        splits = splits or list(dict.fromkeys(v.split for v in index_videos))
        sets = merge_indexed(index_videos, shards, stats, splits)
    else:
        sets = merge_unindexed(shards, splits)
    log_sets(sets)
    if npz_dir is not None:
        _write_npz_files(sets.items(), npz_dir)
    if bad_frames is not None:
        write_bad_frames(bad_frames, sets)
    if seed_pickle is not None:
        write_seed_pickle(seed_pickle, sets)
        log.info("wrote %s", seed_pickle)


def baseline(*, corpus: str, sample: dict, npz_dir: str) -> None:
    """A seeded sample of videos per split in one process, no slots, no shards: what verify compares with.
    sample: the fields of SampledRun."""
    run = SampledRun(**sample)
    settings = HolisticSettings.from_config(run.holistic)
    records = extract_in_process(Path(run.dataset_path), run.videos(corpus), settings, run.on_bad_frame, "baseline")
    _write_npz_files(sets_from_records(records, run.splits, settings.recorded()).items(), npz_dir)


def noise_floor(*, corpus: str, sample: dict, floor_seed: int, npz_dir: str) -> None:
    """One run of MediaPipe's own noise (engine torch): the baseline's sample (the fields of SampledRun) again
    with one pixel per frame changed, under floor_seed. One job per seed, so that the seeds run side by side."""
    run = SampledRun(**sample)
    settings = HolisticSettings.from_config(run.holistic)
    videos = run.videos(corpus)
    sets = floor_sets(Path(run.dataset_path), videos, settings, run.on_bad_frame, run.splits, floor_seed)
    _write_npz_files(sets.items(), npz_dir)


def verify(
    *,
    baseline: str | list,
    merged: str | list,
    atol: float = 0.0,
    verification: str | None = None,
    floors: list | None = None,
    floor_limits: dict | None = None,
    floor_dir: str | None = None,
) -> dict:
    """The baseline against the merged keypoints (NPZ files or folders, or seed-format pickles): the report.
    Raises VerificationFailed (with the report, once written) where they differ.

    floors (engine torch): the noise floor's keypoints, NPZ files or folders, one folder per seed; the merged
    keypoints must then stay per part within MediaPipe's own noise (floor_limits: verify's floor_factor,
    floor_margin_px, presence_margin; default FloorLimits()), not atol. floor_dir: where the workflow keeps the
    floor's seed folders; those that are not among floors (another engine's or another seed count's) are removed.
    """
    runs = floor_runs(floors or [])
    if floor_dir is not None:
        remove_stale_floor_runs(Path(floor_dir), list(runs))
    if runs:
        floor_keypoints = [KeypointSet(run) for run in runs.values()]
        limits = FloorLimits(**(floor_limits or {}))
        report = compare_with_floor(KeypointSet(baseline), KeypointSet(merged), floor_keypoints, limits, atol)
    else:
        report = compare(KeypointSet(baseline), KeypointSet(merged), atol)
    log.info("verification report:\n%s", json.dumps(report, indent=2))
    if verification is not None:
        write_json(verification, report)
    check_passed(report, verification or "the report above")
    return report


def floor_runs(floors: list) -> dict[Path, str | list[str]]:
    """The floor's runs {folder: the folder, or its NPZ files}, one per seed in the order given: files grouped by
    folder."""
    runs: dict[Path, str | list[str]] = {}
    for path in map(Path, floors):
        if path.is_dir():
            runs[path] = str(path)
        else:
            runs.setdefault(path.parent, []).append(str(path))
    return runs


def remove_stale_floor_runs(floor_dir: Path, folders: list[Path]) -> None:
    """Seed folders of floor_dir that this verification does not use are left from a run with other settings
    (engine torch, then mediapipe; fewer seeds): removed, so that none is taken for a current one."""
    current = {folder.resolve() for folder in folders}
    for folder in sorted(floor_dir.glob("seed*")):
        if folder.is_dir() and folder.resolve() not in current:
            shutil.rmtree(folder)
            log.warning("removed %s: a noise floor run that this verification does not use (other settings)", folder)


def prepare(
    *, keypoints: str | list, npz_dir: str, splits: list[str] | None = None, verification: str | None = None
) -> None:
    """The NPZ files for model training, one per split (default: every split there is), once verification
    passed: NPZ files as they are, hard-linked (one copy on disk; a copy across file systems); a seed-format
    pickle converted."""
    if verification is not None:
        require_passed(verification)
    source = KeypointSet(keypoints)
    if source.seed is not None:
        _write_npz_files(((split, source.split(split)) for split in splits or source.splits), npz_dir)
        return
    for split in splits or source.splits:
        verified, path = source.npz_file(split), npz_path(npz_dir, split)
        log.info("%s: %s %s -> %s", split, link_or_copy(verified, path), verified, path)


def full_pickle(*, keypoints: str | list, pickle_path: str, verification: str | None = None) -> None:
    """results/phoenix_keypoints_full.pkl, the seed format of per-frame dicts, for users of the old scripts."""
    if verification is not None:
        require_passed(verification)
    write_seed_pickle(pickle_path, dict(KeypointSet(keypoints)))
    log.info("wrote %s", pickle_path)


def export_pose(*, keypoints: str | list, poses: str, fps: float, verification: str | None = None) -> None:
    """One .pose file per video (pose-format): poses/<split>/<video_id>.pose."""
    if verification is not None:
        require_passed(verification)
    from .pose_export import export_split

    for split, arrays in KeypointSet(keypoints):
        written = export_split(split, arrays, poses, fps)
        log.info("%s: %d .pose files in %s/%s", split, len(written), poses, split)


def summary(
    *,
    dataset: str,
    npz: list,
    skipped: str,
    verification: str,
    stats: list,
    holistic: dict,
    outputs: list[str],
    text: str,
) -> None:
    """results/summary.txt: what the run made, in a few lines. dataset: the release's root, or the manifest;
    stats: the extraction jobs' (for video files whose frame count differed from their container's)."""
    from .run_summary import summary_text

    notes = {}
    for path in stats:
        notes |= json.loads(Path(path).read_text(encoding="utf-8")).get("frame_count_notes", {})
    written = summary_text(dataset, npz, skipped, verification, holistic, outputs, notes)
    write_text(text, written)
    log.info("summary:\n%s", written)


def qc_frames(*, npz: str, dataset_path: str, frames: str, count: int) -> None:
    """Keypoints drawn over a few sampled frames of one split."""
    from .qc_frames import write_qc_frames

    written = write_qc_frames(npz, dataset_path, frames, count)
    log.info("%s: drew %d frames: %s", split_of(npz), len(written), [p.name for p in written])


def qc_stats(*, npz: list, stats: list, rates: str, rates_plot: str, hands: str, hands_plot: str, shards: str) -> None:
    """Detection rates per split and part, hand presence per video, the extraction jobs' figures."""
    import pandas as pd

    from . import qc_stats as qc

    arrays = {split_of(path): np.load(path, allow_pickle=False) for path in npz}
    rate_table = qc.detection_rates({split: data["presence"] for split, data in arrays.items()})
    qc.write_tsv(rates, rate_table)
    qc.plot_detection_rates(rate_table, rates_plot)
    hand_table = pd.concat([qc.hand_presence(split, data) for split, data in arrays.items()])
    qc.write_tsv(hands, hand_table)
    qc.plot_hand_presence(hand_table, hands_plot)
    qc.write_tsv(shards, qc.shard_table([json.loads(Path(p).read_text(encoding="utf-8")) for p in stats]))
    log.info("detection rates:\n%s", rate_table.to_string(index=False))
