import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))

from phoenix_keypoints import workflow as wf

wf.check_config(config)


def global_resource(name):
    """The value of --resources NAME=N, or None."""
    resource = workflow.global_resources.get(name)
    return getattr(resource, "value", resource)


wildcard_constraints:
    shard=r"\d+",
