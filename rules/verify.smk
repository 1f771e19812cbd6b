rule baseline:
    input:
        videos=rules.shard.output.videos,
    output:
        keypoints=f"{wf.RESULTS}/verify/baseline.pkl",
    log:
        f"{wf.RESULTS}/logs/baseline.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/baseline.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        dataset_path=config["dataset_path"],
        splits=config["splits"],
        holistic=config["holistic"],
        on_bad_frame=config["on_bad_frame"],
        videos_per_split=config["verify"]["videos_per_split"],
        seed=config["verify"]["seed"],
    script:
        "../scripts/run_baseline.py"


rule verify:
    input:
        baseline=rules.baseline.output.keypoints,
        merged=rules.merge.output.keypoints,
    output:
        report=f"{wf.RESULTS}/verify/report.json",
    log:
        f"{wf.RESULTS}/logs/verify.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/verify.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        atol=config["verify"]["atol"],
    script:
        "../scripts/verify_results.py"
