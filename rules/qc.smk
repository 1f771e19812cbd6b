# Quality control: pictures and figures to look at, gathered by `snakemake --report report.html`.


rule qc_frames:
    input:
        npz=wf.split_npz,
    output:
        frames=report(
            directory(f"{wf.RESULTS}/qc/frames/{{split}}"),
            patterns=["{video}_frame{frame}.png"],
            caption="../report/qc_frames.rst",
            category="Keypoints on frames",
            subcategory="{split}",
            labels={"split": "{split}", "video": "{video}", "frame": "{frame}"},
        ),
    log:
        f"{wf.RESULTS}/logs/qc/frames_{{split}}.log",
    wildcard_constraints:
        split="|".join(config["splits"]),
    conda:
        "../envs/keypoints.yaml"
    params:
        dataset_path=config["dataset_path"],
        frames=config["qc"]["frames_per_split"],
    script:
        "../scripts/draw_qc_frames.py"


rule qc_stats:
    input:
        npz=rules.prepare.output.npz,
        stats=expand(rules.extract.output.stats, shard=wf.shard_ids(config)),
    output:
        rates=report(
            f"{wf.RESULTS}/qc/detection_rates.tsv",
            caption="../report/detection_rates.rst",
            category="Detection",
            labels={"figure": "detection rates (table)"},
        ),
        rates_plot=report(
            f"{wf.RESULTS}/qc/detection_rates.png",
            caption="../report/detection_rates.rst",
            category="Detection",
            labels={"figure": "detection rates"},
        ),
        hands=report(
            f"{wf.RESULTS}/qc/hand_presence.tsv",
            caption="../report/hand_presence.rst",
            category="Detection",
            labels={"figure": "hand presence per video (table)"},
        ),
        hands_plot=report(
            f"{wf.RESULTS}/qc/hand_presence.png",
            caption="../report/hand_presence.rst",
            category="Detection",
            labels={"figure": "hand presence per video"},
        ),
        shards=report(
            f"{wf.RESULTS}/qc/extraction_stats.tsv",
            caption="../report/extraction_stats.rst",
            category="Run statistics",
            labels={"figure": "extraction jobs"},
        ),
    log:
        f"{wf.RESULTS}/logs/qc/stats.log",
    conda:
        "../envs/keypoints.yaml"
    params:
        splits=config["splits"],
    script:
        "../scripts/qc_figures.py"
