plan.check_config(config)
plan.adjust_config(config)


# Only the run that starts now works in results/; it records what it runs with.
onstart:
    plan.claim_results(config, workflow.config_settings)


# Every run that made the summary ends with it.
onsuccess:
    plan.show_summary()


def global_resource(name):
    """The value of --resources NAME=N, or None."""
    resource = workflow.global_resources.get(name)
    return getattr(resource, "value", resource)


def local_cores():
    """--cores N of a local run; None under a cluster executor, where --cores (if given)
    counts all jobs together and, inside a job, is the whole node's count."""
    return None if workflow.non_local_exec else global_resource("_cores")


# On a cluster these run on the submit host: they only read CSVs, list folders or read a few small files.
localrules:
    all,
    index,
    shard,
    summary,


wildcard_constraints:
    shard=r"\d+",
