rule prepare:
    input:
        merged=rules.merge.output.npz,
        verification=rules.verify.output.verification,
    output:
        npz=plan.npz_files(plan.MODEL_INPUT, config),
    log:
        f"{plan.RESULTS}/logs/prepare.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/prepare.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        # Hard links: no keypoints in memory (a seed-format pickle is converted one split at a time).
        mem_mb=1000,
        runtime=30,
    params:
        splits=config["splits"],
    script:
        "../scripts/prepare.py"


# The seed's format, for users of the old scripts: per-frame dicts, built once from the arrays.
rule full_pickle:
    input:
        npz=rules.prepare.output.npz,
        verification=rules.verify.output.verification,
    output:
        pickle=f"{plan.RESULTS}/phoenix_keypoints_full.pkl",
    log:
        f"{plan.RESULTS}/logs/full_pickle.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/full_pickle.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        # ~950,000 Python dicts next to the arrays: 3.4 GB at full scale (benchmarks/README.md).
        mem_mb=8000,
        runtime=60,
    script:
        "../scripts/full_pickle.py"
