# Turn a PHOENIX-2014-T release into MediaPipe Holistic keypoints.
# Usage: snakemake --cores 8 --resources gpu=4   (see README.md)
from pathlib import Path

from snakemake.utils import min_version, validate

from phoenix_keypoints import plan

min_version("9.0")


configfile: Path(workflow.basedir) / "config" / "config.yaml"


# The settings results/ was made with, unless this command chooses others (docs/pipeline.md).
plan.settle_config(
    config,
    workflow.config_settings,
    Path(workflow.basedir) / "config/config.schema.yaml",
)
validate(config, "config/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/index.smk"
include: "rules/extract.smk"
include: "rules/merge.smk"
include: "rules/verify.smk"
include: "rules/prepare.smk"
include: "rules/qc.smk"
include: "rules/pose.smk"
include: "rules/summary.smk"


rule all:
    default_target: True
    input:
        npz=rules.prepare.output.npz,
        pickle=rules.full_pickle.output.pickle,
        qc_frames=expand(rules.qc_frames.output.frames, split=config["splits"]),
        qc_stats=rules.qc_stats.output.rates,
        summary=rules.summary.output.text,
