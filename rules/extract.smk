rule extract:
    input:
        videos=rules.shard.output.videos,
    output:
        keypoints=f"{plan.RESULTS}/shards/shard_{{shard}}.pkl",
        stats=f"{plan.RESULTS}/shards/shard_{{shard}}.json",
    log:
        f"{plan.RESULTS}/logs/extract/shard_{{shard}}.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/extract/shard_{{shard}}.tsv"
    conda:
        # engine: torch needs torch and tflite in the job's environment too.
        "../envs/engine.yaml"
        if config["engine"] == "torch"
        else "../envs/keypoints.yaml"
    threads:
        lambda wildcards: plan.workers_per_job(
            config["threads_per_job"], local_cores(), global_resource("gpu")
        )
    resources:
        gpu=1,
        # A resource, not a param: changing --resources must not rerun finished shards.
        gpu_pool=plan.gpu_pool_size(config["num_gpus"], global_resource("gpu")),
        # A MediaPipe worker needs about 0.5 GB; twice that leaves headroom.
        mem_mb=lambda wildcards, threads: 1000 + 1000 * threads,
        # Check against results/benchmarks/extract/ after a first run and adjust.
        runtime="4h",
    params:
        dataset_path=plan.sources_root(config),
        holistic=config["holistic"],
        engine=config["engine"],
        # Only where it runs: with engine mediapipe, editing torch_engine must not rerun the shards.
        torch_engine=config["torch_engine"] if config["engine"] == "torch" else None,
        on_bad_frame=config["on_bad_frame"],
        gpu_slot_dir=f"{plan.RESULTS}/.gpu_slots",
        journal_dir=f"{plan.RESULTS}/journal",
    script:
        "../scripts/extract.py"
