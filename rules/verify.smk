rule baseline:
    input:
        videos=rules.shard.output.videos,
    output:
        npz=plan.npz_files(plan.BASELINE, config),
    log:
        f"{plan.RESULTS}/logs/baseline.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/baseline.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=2000,
        runtime="2h",
    params:
        dataset_path=plan.dataset_root(config),
        splits=config["splits"],
        holistic=config["holistic"],
        on_bad_frame=config["on_bad_frame"],
        videos_per_split=config["verify"]["videos_per_split"],
        seed=config["verify"]["seed"],
    script:
        "../scripts/baseline.py"


rule verify:
    input:
        baseline=rules.baseline.output.npz,
        merged=rules.merge.output.npz,
    output:
        verification=f"{plan.RESULTS}/verify/verification.json",
    log:
        f"{plan.RESULTS}/logs/verify.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/verify.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        # One merged split at a time: 1.9 GB at full scale.
        mem_mb=4000,
        runtime=30,
    params:
        atol=config["verify"]["atol"],
    script:
        "../scripts/verify.py"
