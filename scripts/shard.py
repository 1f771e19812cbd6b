"""Rule `shard`: whole videos balanced over the shards (stages.shard)."""

from phoenix_keypoints import stages
from phoenix_keypoints.runlog import log_to

snakemake = globals()["snakemake"]
with log_to(snakemake.log[0]):
    stages.shard(corpus=snakemake.input.corpus, num_shards=snakemake.params.num_shards, videos=snakemake.output.videos)
