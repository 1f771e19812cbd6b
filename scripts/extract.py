"""Rule `extract`: one shard of whole videos through MediaPipe Holistic (stages.extract)."""

import time

JOB_STARTED = time.time()  # before the imports: they are part of the job's start-up

from phoenix_keypoints import stages  # noqa: E402
from phoenix_keypoints.runlog import log_to  # noqa: E402

# The worker processes are spawned and import this file again under another name.
if __name__ == "__main__":
    snakemake = globals()["snakemake"]
    with log_to(snakemake.log[0]):
        params = snakemake.params
        stages.extract(
            videos=snakemake.input.videos,
            shard_id=int(snakemake.wildcards.shard),
            dataset_path=params.dataset_path,
            holistic=params.holistic,
            on_bad_frame=params.on_bad_frame,
            workers=snakemake.threads,
            gpu_pool=snakemake.resources.gpu_pool,
            gpu_slot_dir=params.gpu_slot_dir,
            journal_dir=params.journal_dir,
            keypoints=snakemake.output.keypoints,
            stats=snakemake.output.stats,
            job_started=JOB_STARTED,
            engine=params.engine,
            torch_engine=params.torch_engine,
        )
