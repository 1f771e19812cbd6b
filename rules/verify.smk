# The baseline: MediaPipe over a seeded sample of the indexed videos, in one process. engine torch: MediaPipe
# again on that sample with one pixel per frame changed, one noise_floor job per seed (side by side where cores
# are free): MediaPipe's own noise, which verify judges the engine against. engine mediapipe must equal the
# baseline: no floor runs. Both read the corpus, not the shards: num_shards changes neither.

# What both run (phoenix_keypoints.verify.SampledRun): the seeded sample of each split, and MediaPipe's settings.
SAMPLED_RUN = {
    "dataset_path": plan.sources_root(config),
    "splits": config["splits"],
    "holistic": config["holistic"],
    "on_bad_frame": config["on_bad_frame"],
    "videos_per_split": config["verify"]["videos_per_split"],
    "seed": config["verify"]["seed"],
}


rule baseline:
    input:
        corpus=rules.index.output.corpus,
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
        sample=SAMPLED_RUN,
    script:
        "../scripts/baseline.py"


rule noise_floor:
    input:
        corpus=rules.index.output.corpus,
    output:
        npz=plan.npz_files(f"{plan.FLOOR}/seed{{floor_seed}}", config),
    log:
        f"{plan.RESULTS}/logs/noise_floor/seed{{floor_seed}}.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/noise_floor/seed{{floor_seed}}.tsv"
    wildcard_constraints:
        floor_seed=r"\d+",
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=2000,
        runtime="2h",
    params:
        sample=SAMPLED_RUN,
    script:
        "../scripts/noise_floor.py"


rule verify:
    input:
        baseline=rules.baseline.output.npz,
        merged=rules.merge.output.npz,
        floor=plan.floor_npz_files(config),
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
        # Seed folders found here that the inputs do not name (another engine's or seed count's) are removed. A
        # function, as the lint asks for a prefix of the inputs (the floor's files, engine torch).
        floor_dir=lambda wildcards: plan.FLOOR,
    script:
        "../scripts/verify.py"
