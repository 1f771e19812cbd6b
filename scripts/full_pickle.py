"""Rule `full_pickle`: the seed-format keypoint file, from the verified arrays (stages.full_pickle)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    inputs = snakemake.input
    stages.full_pickle(
        keypoints=list(inputs.npz), pickle_path=snakemake.output.pickle, verification=inputs.verification
    )
