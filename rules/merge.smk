rule merge:
    input:
        videos=rules.shard.output.videos,
        shards=expand(rules.extract.output.keypoints, shard=wf.shard_ids(config)),
    output:
        keypoints=f"{wf.RESULTS}/phoenix_keypoints_full.pkl",
        bad_frames=f"{wf.RESULTS}/bad_frames.tsv",
    log:
        f"{wf.RESULTS}/logs/merge.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/merge.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        splits=config["splits"],
    script:
        "../scripts/merge_shards.py"
