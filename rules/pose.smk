# Optional: one .pose file per video, for the sign-language-processing tools.
# Run it with `snakemake --cores 2 export_pose` (or `make pose`); `rule all` does not need it.
# One job writes the whole folder: the number of videos is known only after indexing, and
# every video's keypoints come from the one merged file, which a job per video would each
# have to load again (a checkpoint with 8,257 jobs for milliseconds of work each).


rule export_pose:
    input:
        keypoints=rules.merge.output.keypoints,
        report=rules.verify.output.report,
    output:
        poses=directory(f"{wf.RESULTS}/pose"),
    log:
        f"{wf.RESULTS}/logs/export_pose.log",
    benchmark:
        f"{wf.RESULTS}/benchmarks/export_pose.tsv"
    conda:
        "../envs/keypoints.yaml"
    params:
        fps=config["pose_export"]["fps"],
    script:
        "../scripts/export_pose.py"
