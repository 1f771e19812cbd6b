# What the run made, in a few lines: on the console at the end of the run, in its log and on the
# report's first page.


rule summary:
    input:
        npz=rules.prepare.output.npz,
        skipped=rules.index.output.skipped,
        verification=rules.verify.output.verification,
        pickle=rules.full_pickle.output.pickle,
        stats=expand(rules.extract.output.stats, shard=plan.shard_ids(config)),
    output:
        text=report(
            f"{plan.RESULTS}/summary.txt",
            caption="../report/summary.rst",
            category="Summary",
            labels={"figure": "summary"},
        ),
    log:
        f"{plan.RESULTS}/logs/summary.log",
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        dataset=plan.dataset_identity(config),
        holistic=config["holistic"],
        outputs=[
            f"{plan.MODEL_INPUT}/",
            f"{plan.RESULTS}/phoenix_keypoints_full.pkl",
            f"{plan.RESULTS}/qc/",
            f"{plan.RESULTS}/bad_frames.tsv",
            f"{plan.RESULTS}/index/skipped.tsv",
        ],
    script:
        "../scripts/summary.py"
