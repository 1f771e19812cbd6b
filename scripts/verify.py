"""Rule `verify`: the sharded result must equal the single-process baseline, or with engine torch stay within
MediaPipe's own noise (stages.verify)."""

from pathlib import Path

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to
from phoenix_keypoints.verify import failure_message

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    floors: dict[Path, list[str]] = {}  # the noise floor's files (engine torch), by seed folder in seed order
    for path in snakemake.input.floor:
        floors.setdefault(Path(path).parent, []).append(path)
    report = stages.verify(
        list(snakemake.input.baseline), list(snakemake.input.merged), snakemake.params.atol,
        snakemake.output.verification, list(floors.values()), snakemake.params.floor_limits,
    )  # fmt: skip
    if not report["passed"]:
        raise RuntimeError(failure_message(report, snakemake.output.verification))
