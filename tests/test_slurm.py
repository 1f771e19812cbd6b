"""The workflow on a real one-node SLURM cluster, through snakemake-executor-plugin-slurm and profiles/slurm."""

import json
import os
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import SAMPLE, SAMPLE_FRAMES, run_snakemake
from phoenix_keypoints.testing import REPO
from slurm_cluster import ACCOUNT, FAKE_GPUS, PARTITION, SlurmCluster, missing_programs

pytestmark = [pytest.mark.slow, pytest.mark.slurm]

PROFILE = REPO / "profiles" / "slurm"
CPU_PROFILE = REPO / "profiles" / "slurm-cpu"
# .ci/run sets it: there SLURM must run, never be skipped.
REQUIRED = os.environ.get("PHOENIX_REQUIRE_SLURM") == "1"
# The node has the machine's CPUs (2 in CI): one worker per extraction job lets two run at once.
# squeue instead of sacct: the test cluster keeps no accounting. Short status intervals keep it quick.
SLURM_ARGS = (
    "--set-threads",
    "extract=1",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
    "--seconds-between-status-checks",
    "2",
    "--slurm-keep-successful-logs",
)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    why_not = None
    if missing := missing_programs():
        why_not = f"SLURM is not installed ({', '.join(missing)} missing): apt-get install slurm-wlm munge"
    elif os.geteuid() != 0:
        why_not = "the test cluster's daemons (munged, slurmctld, slurmd) must run as root"
    if why_not:
        if REQUIRED:
            pytest.fail(f"PHOENIX_REQUIRE_SLURM=1 but {why_not}")
        pytest.skip(why_not)
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def site_profile(tmp_path_factory) -> Path:
    """profiles/slurm with this cluster's account and partition filled in, as README says for a site."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    profile["default-resources"] = {"slurm_account": ACCOUNT, "slurm_partition": PARTITION}
    folder = tmp_path_factory.mktemp("site_profile")
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def run_on_slurm(cluster: SlurmCluster, workdir: Path, *args: str, config: dict) -> None:
    env = {name: value for name, value in cluster.env.items() if name != "CUDA_VISIBLE_DEVICES"}
    result = run_snakemake(workdir, *args, *SLURM_ARGS, config=config, check=False, timeout=1500, env=env)
    if result.returncode != 0:
        job_logs = "\n".join(
            f"----- {path}\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
        )
        raise AssertionError(
            f"snakemake on SLURM failed ({result.returncode}):\n{result.stdout[-6000:]}\n{job_logs}\n{cluster.logs()}"
        )


def shard_stats(workdir: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((workdir / "results/shards").glob("shard_*.json"))]


@pytest.fixture(scope="module")
def slurm_run(slurm, site_profile, tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("slurm_run")
    run_on_slurm(slurm, workdir, "--profile", str(site_profile), config={"dataset_path": SAMPLE})
    return workdir


def test_outputs_equal_a_local_run(slurm_run, sample_run):
    for split in SAMPLE_FRAMES:
        name = f"results/model_input_data/{split}_keypoints.npz"
        on_slurm, local = np.load(slurm_run / name), np.load(sample_run / name)
        assert sorted(on_slurm.files) == sorted(local.files)
        for key in local.files:
            np.testing.assert_array_equal(on_slurm[key], local[key], err_msg=f"{split}: {key}")
    assert json.loads((slurm_run / "results/verify/verification.json").read_text())["passed"] is True


def test_light_rules_ran_locally_and_the_rest_as_slurm_jobs(slurm_run):
    job_logs = list((slurm_run / ".snakemake/slurm_logs").glob("rule_*/**/*.log"))
    jobs_per_rule = {}
    for path in job_logs:
        rule = path.relative_to(slurm_run / ".snakemake/slurm_logs").parts[0].removeprefix("rule_")
        jobs_per_rule[rule] = jobs_per_rule.get(rule, 0) + 1
    assert jobs_per_rule == {
        "extract": 5,
        "baseline": 1,
        "merge": 1,
        "verify": 1,
        "prepare": 1,
        "full_pickle": 1,
        "qc_frames": 3,
        "qc_stats": 1,
    }


def allocations(slurm: SlurmCluster) -> dict[int, tuple[datetime, datetime]]:
    """Each SLURM job's allocation, from the controller's log: (allocated, completed) by job id. The GPUs are the
    job's from the one to the other (its extraction work is a few seconds inside, after Snakemake starts up)."""
    log = (slurm.root / "slurmctld.log").read_text()
    allocated = {int(i): t for t, i in re.findall(r"^\[([^\]]+)\] sched: Allocate JobId=(\d+) ", log, re.M)}
    completed = {int(i): t for t, i in re.findall(r"^\[([^\]]+)\] _job_complete: JobId=(\d+) done", log, re.M)}
    return {i: (datetime.fromisoformat(t), datetime.fromisoformat(completed[i])) for i, t in allocated.items()}


def test_concurrent_jobs_got_different_gpus_from_slurm(slurm, slurm_run):
    stats = shard_stats(slurm_run)
    assert len(stats) == 5  # num_shards 8, capped at the sample's 5 videos
    devices = {str(index) for index in range(FAKE_GPUS)}
    for s in stats:
        assert s["gpu_slot"] == "scheduler (SLURM_JOB_ID)", "the slot pool keeps the scheduler's CUDA_VISIBLE_DEVICES"
        assert s["cuda_visible_devices"] in devices
        assert s["workers"] == (1 if s["frames"] else 0)
    # The extraction jobs' SLURM ids: .snakemake/slurm_logs/rule_extract/<shard>/<job id>.log.
    by_shard = {s["shard"]: s for s in stats}
    jobs = {
        int(p.stem): by_shard[int(p.parent.name)]
        for p in (slurm_run / ".snakemake/slurm_logs/rule_extract").glob("*/*.log")
    }
    held = allocations(slurm)
    spans = [(*held[job], s) for job, s in sorted(jobs.items())]
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1 :] if a[0] < b[1] and b[0] < a[1]]
    assert overlapping, f"SLURM never ran two extraction jobs at the same time: {[(a, b) for a, b, _ in spans]}"
    for a, b in overlapping:
        assert a[2]["cuda_visible_devices"] != b[2]["cuda_visible_devices"], (a[2], b[2])


def test_cpu_profile_asks_for_no_gpu(slurm, site_profile, tmp_path):
    run_on_slurm(
        slurm,
        tmp_path,
        "--profile",
        str(site_profile),
        "--profile",
        str(CPU_PROFILE),
        "--until",
        "extract",
        config={"dataset_path": SAMPLE, "num_shards": 2},
    )
    stats = shard_stats(tmp_path)
    assert len(stats) == 2 and sum(s["frames"] for s in stats) == sum(SAMPLE_FRAMES.values())
    for s in stats:
        assert s["gpu_slot"] == "scheduler (SLURM_JOB_ID)" and s["cuda_visible_devices"] is None


def test_profiles_hold_only_what_depends_on_the_site():
    """Memory and runtimes are the rules' own; the CPU profile changes nothing but the GPU."""
    gpu = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert set(gpu) == {"executor", "jobs", "latency-wait", "set-threads"}
    assert yaml.safe_load((CPU_PROFILE / "config.yaml").read_text()) == {"set-resources": {"extract": {"gpu": 0}}}
