rule extract:
    input:
        videos=rules.shard.output.videos,
    output:
        keypoints=f"{wf.RESULTS}/shards/shard_{{shard}}.pkl",
        stats=f"{wf.RESULTS}/shards/shard_{{shard}}.json",
    log:
        f"{wf.RESULTS}/logs/extract/shard_{{shard}}.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/extract/shard_{{shard}}.tsv"
    conda:
        "../envs/keypoints.yaml"
    threads:
        lambda wildcards: wf.workers_per_job(
            config["threads_per_job"], local_cores(), global_resource("gpu")
        )
    resources:
        gpu=1,
        # A resource, not a param: changing --resources must not rerun finished shards.
        gpu_pool=wf.gpu_pool_size(config["num_gpus"], global_resource("gpu")),
    params:
        dataset_path=config["dataset_path"],
        holistic=config["holistic"],
        on_bad_frame=config["on_bad_frame"],
        gpu_slot_dir=f"{wf.RESULTS}/.gpu_slots",
        journal_dir=f"{wf.RESULTS}/journal",
    script:
        "../scripts/extract_shard.py"
