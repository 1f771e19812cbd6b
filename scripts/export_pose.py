"""Rule `export_pose`: one .pose file per video, pose-format (stages.export_pose)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.export_pose(
        keypoints=list(snakemake.input.npz),
        poses=snakemake.output.poses,
        fps=snakemake.params.fps,
        verification=snakemake.input.verification,
    )
