"""Snakemake entry point of rule `extract`: one shard of whole videos through MediaPipe Holistic."""

import time

JOB_STARTED = time.time()

from phoenix_keypoints.gpu_slots import acquire_gpu_slot  # noqa: E402  (before anything touches a GPU)
from phoenix_keypoints.runlog import log_to  # noqa: E402


def main(snakemake) -> None:
    with log_to(snakemake.log[0]) as log:
        params = snakemake.params
        shard = int(snakemake.wildcards.shard)
        with acquire_gpu_slot(snakemake.resources.gpu_pool, params.gpu_slot_dir) as slot:
            log.info("shard %d: CUDA_VISIBLE_DEVICES=%s (%s)", shard, slot.cuda_visible_devices, slot.source)
            from pathlib import Path

            from phoenix_keypoints.atomic import write_json, write_pickle
            from phoenix_keypoints.extract import run_shard
            from phoenix_keypoints.holistic import HolisticSettings
            from phoenix_keypoints.tables import shard_videos

            settings = HolisticSettings.from_config(params.holistic)
            records, stats = run_shard(
                shard,
                shard_videos(snakemake.input.videos, shard),
                Path(params.dataset_path),
                settings,
                snakemake.threads,
                params.on_bad_frame,
                Path(params.journal_dir),
                JOB_STARTED,
            )
            stats["gpu_slot"] = slot.source
            write_pickle(
                snakemake.output.keypoints, {"shard": shard, "settings": settings.as_dict(), "videos": records}
            )
            write_json(snakemake.output.stats, stats)
            log.info("shard %d done: %s", shard, stats)


# Worker processes are spawned and import this file again under another name.
if __name__ == "__main__":
    main(globals()["snakemake"])
