from phoenix_keypoints import plan

plan.check_config(config)


def global_resource(name):
    """The value of --resources NAME=N, or None."""
    resource = workflow.global_resources.get(name)
    return getattr(resource, "value", resource)


def local_cores():
    """--cores N of a local run; None under a cluster executor, where --cores (if given)
    counts all jobs together and, inside a job, is the whole node's count."""
    return None if workflow.non_local_exec else global_resource("_cores")


# On a cluster these run on the submit host: they only read CSVs and list folders.
localrules:
    all,
    index,
    shard,


wildcard_constraints:
    shard=r"\d+",
