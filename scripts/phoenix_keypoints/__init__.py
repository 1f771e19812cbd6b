"""Turn a PHOENIX-2014-T style dataset into MediaPipe Holistic keypoints.

The Snakemake rules in ``rules/`` and the standalone tools in ``scripts/`` are
thin entry points over the modules of this package.
"""
