# engine torch: the baseline also runs MediaPipe with one pixel per frame changed, once per seed: MediaPipe's own
# noise, which verify judges the engine against. engine mediapipe must equal the baseline: no floor runs.


rule baseline:
    input:
        videos=rules.shard.output.videos,
    output:
        npz=plan.npz_files(plan.BASELINE, config),
        floor=plan.floor_npz_files(config),
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
        floor_seeds=plan.floor_seeds(config),
        floor_dir=plan.FLOOR,
    script:
        "../scripts/baseline.py"


rule verify:
    input:
        baseline=rules.baseline.output.npz,
        merged=rules.merge.output.npz,
        floor=rules.baseline.output.floor,
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
        floor_limits=plan.floor_limits(config),
    script:
        "../scripts/verify.py"
