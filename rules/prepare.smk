rule prepare:
    input:
        keypoints=rules.merge.output.keypoints,
        report=rules.verify.output.report,
    output:
        npz=wf.npz_paths(config),
    log:
        f"{wf.RESULTS}/logs/prepare.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/prepare.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        splits=config["splits"],
    script:
        "../scripts/prepare_npz.py"
