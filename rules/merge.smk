rule merge:
    input:
        videos=rules.shard.output.videos,
        shards=expand(rules.extract.output.keypoints, shard=plan.shard_ids(config)),
        # Beside each shard: its videos' decoded frame counts, read by merge.
        stats=expand(rules.extract.output.stats, shard=plan.shard_ids(config)),
    output:
        # Temporary: prepare hard-links them into model_input_data/ once verify passed, the one copy every later
        # rule reads; then they go. (A link shares the file's mtime, which Snakemake touches after prepare:
        # kept, merged/ would look newer than verify's report and rerun verify at every run.)
        npz=temp(plan.npz_files(plan.MERGED, config)),
        bad_frames=f"{plan.RESULTS}/bad_frames.tsv",
    log:
        f"{plan.RESULTS}/logs/merge.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/merge.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        # All keypoints of the release as arrays plus one shard at a time: 2.6 GB at full scale.
        mem_mb=6000,
        runtime=60,
    params:
        splits=config["splits"],
    script:
        "../scripts/merge.py"
