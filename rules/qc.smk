# Quality control: pictures and figures to look at, gathered by `snakemake --report report.html`.


rule qc_frames:
    input:
        npz=plan.split_npz,
    output:
        frames=report(
            directory(f"{plan.RESULTS}/qc/frames/{{split}}"),
            patterns=["{video}_frame{frame}.png"],
            caption="../report/qc_frames.rst",
            category="Keypoints on frames",
            subcategory="{split}",
            labels={"split": "{split}", "video": "{video}", "frame": "{frame}"},
        ),
    log:
        f"{plan.RESULTS}/logs/qc/frames_{{split}}.log",
    wildcard_constraints:
        split="|".join(config["splits"]),
    conda:
        "../envs/keypoints.yaml"
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        dataset_path=plan.sources_root(config),
        frames=config["qc"]["frames_per_split"],
    script:
        "../scripts/qc_frames.py"


rule qc_stats:
    input:
        npz=rules.prepare.output.npz,
        stats=expand(rules.extract.output.stats, shard=plan.shard_ids(config)),
    output:
        rates=report(
            f"{plan.RESULTS}/qc/detection_rates.tsv",
            caption="../report/detection_rates.rst",
            category="Detection",
            labels={"figure": "detection rates (table)"},
        ),
        rates_plot=report(
            f"{plan.RESULTS}/qc/detection_rates.png",
            caption="../report/detection_rates.rst",
            category="Detection",
            labels={"figure": "detection rates"},
        ),
        hands=report(
            f"{plan.RESULTS}/qc/hand_presence.tsv",
            caption="../report/hand_presence.rst",
            category="Detection",
            labels={"figure": "hand presence per video (table)"},
        ),
        hands_plot=report(
            f"{plan.RESULTS}/qc/hand_presence.png",
            caption="../report/hand_presence.rst",
            category="Detection",
            labels={"figure": "hand presence per video"},
        ),
        shards=report(
            f"{plan.RESULTS}/qc/extraction_stats.tsv",
            caption="../report/extraction_stats.rst",
            category="Run statistics",
            labels={"figure": "extraction jobs"},
        ),
    log:
        f"{plan.RESULTS}/logs/qc/stats.log",
    conda:
        "../envs/keypoints.yaml"
    resources:
        # The presence flags of every split (small next to the keypoints).
        mem_mb=4000,
        runtime=10,
    script:
        "../scripts/qc_stats.py"
