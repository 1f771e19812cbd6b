"""Rule `extract`: one shard of whole videos through MediaPipe Holistic (stages.extract)."""

import time

JOB_STARTED = time.time()  # before the imports: they are part of the job's start-up

from phoenix_keypoints import stages  # noqa: E402
from phoenix_keypoints.runlog import log_to  # noqa: E402

# The worker processes are spawned and import this file again under another name.
if __name__ == "__main__":
    snakemake = globals()["snakemake"]
    with log_to(snakemake.log[0]):
        stages.extract(
            **snakemake.input, **snakemake.output, **snakemake.params,
            shard_id=int(snakemake.wildcards.shard), workers=snakemake.threads,
            gpu_pool=snakemake.resources.gpu_pool, job_started=JOB_STARTED,
        )  # fmt: skip
