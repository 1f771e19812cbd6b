# Optional: one .pose file per video, for the sign-language-processing tools.
# Run it with `snakemake --cores 2 export_pose` (or `make pose`); `rule all` does not need it.
# One job writes the whole folder: the number of videos is known only after indexing, and
# every video's keypoints come from the verified split files, which a job per video would each
# have to load again (a checkpoint with 8,257 jobs for milliseconds of work each).


rule export_pose:
    input:
        npz=rules.prepare.output.npz,
        verification=rules.verify.output.verification,
    output:
        poses=directory(f"{plan.RESULTS}/pose"),
    log:
        f"{plan.RESULTS}/logs/export_pose.log",
    benchmark:
        f"{plan.RESULTS}/benchmarks/export_pose.tsv"
    conda:
        "../envs/keypoints.yaml"
    resources:
        # One split at a time.
        mem_mb=4000,
        runtime=60,
    params:
        fps=config["pose_export"]["fps"],
    script:
        "../scripts/export_pose.py"
