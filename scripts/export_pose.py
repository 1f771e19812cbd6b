"""Snakemake entry point of rule `export_pose`: one .pose file per video (pose-format)."""

from phoenix_keypoints.merge import read_merged
from phoenix_keypoints.pose_export import export_split
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.verify import require_passed

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]) as log:
    require_passed(snakemake.input.report)
    merged = read_merged(snakemake.input.keypoints)
    for split, data in merged.items():
        written = export_split(split, data, snakemake.output.poses, snakemake.params.fps)
        log.info("%s: %d .pose files in %s/%s", split, len(written), snakemake.output.poses, split)
