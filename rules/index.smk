rule index:
    input:
        csvs=plan.corpus_csvs(config),
    output:
        corpus=f"{plan.RESULTS}/index/corpus.tsv",
        skipped=f"{plan.RESULTS}/index/skipped.tsv",
    log:
        f"{plan.RESULTS}/logs/index.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/index.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        # Where the frames are is an input too: changing it must index again. A function, as the
        # lint asks for a prefix of the inputs (the CSVs); the index runs where the dataset is.
        dataset_path=lambda wildcards: config["dataset_path"],
        manifest=config["manifest"],
        annotations_subdir=config["annotations_subdir"],
        frames_subdir=config["frames_subdir"],
        splits=config["splits"],
        max_samples_per_split=config["max_samples_per_split"],
        on_bad_video=config["on_bad_video"],
        # The rotation applied is indexed per video: changing it reruns only the turned videos (journal).
        video_rotation=config["video_rotation"],
        # Names, sizes and times of every frame: a frame added, removed or replaced indexes again (the
        # journal then recomputes only the videos whose frames changed).
        frames=lambda wildcards: plan.frames_fingerprint(config),
    script:
        "../scripts/index.py"


rule shard:
    input:
        corpus=rules.index.output.corpus,
    output:
        videos=f"{plan.RESULTS}/index/videos.tsv",
    log:
        f"{plan.RESULTS}/logs/shard.log",
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        num_shards=config["num_shards"],
    script:
        "../scripts/shard.py"
