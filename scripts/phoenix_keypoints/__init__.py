"""Turn a PHOENIX-2014-T style dataset into MediaPipe Holistic keypoints.

Each Snakemake rule runs ``scripts/<rule>.py``, which calls the rule's function in
``stages``; the ``phoenix-keypoints`` command (``cli``) calls the same functions.
"""
