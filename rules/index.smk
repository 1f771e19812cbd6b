rule index:
    input:
        csvs=wf.corpus_csvs(config),
    output:
        videos=f"{wf.RESULTS}/index/corpus.tsv",
        skipped=f"{wf.RESULTS}/index/skipped.tsv",
    log:
        f"{wf.RESULTS}/logs/index.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/index.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        splits=config["splits"],
        max_samples_per_split=config["max_samples_per_split"],
        on_bad_video=config["on_bad_video"],
    script:
        "../scripts/index_dataset.py"


rule shard:
    input:
        videos=rules.index.output.videos,
    output:
        videos=f"{wf.RESULTS}/index/videos.tsv",
    log:
        f"{wf.RESULTS}/logs/shard.log",
    conda:
        "../envs/keypoints.yaml"
    params:
        num_shards=config["num_shards"],
    script:
        "../scripts/shard_videos.py"
