"""A real one-node SLURM cluster on localhost for the tests: munged, slurmctld and slurmd in a scratch folder.

Needs root and the Debian packages slurm-wlm and munge (.ci/run installs them). Two fake GPUs are
character devices with the NVIDIA major number (195): SLURM schedules them like real ones and sets
CUDA_VISIBLE_DEVICES in each job, so GPU placement is tested without a GPU.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "srun", "scancel")
# Jobs in these states still hold processes on the node.
LIVE_JOB_STATES = "PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED"
PARTITION = "debug"
ACCOUNT = "phoenix"
FAKE_GPUS = 2
NVIDIA_MAJOR = 195
READY_TIMEOUT = 120


def program(name: str) -> str | None:
    """Full path of a SLURM or munge program; the daemons live in sbin, which a user's PATH may lack."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", os.defpath), "/usr/sbin", "/sbin"]))


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if program(name) is None]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _node_hardware() -> str:
    """This machine's CPUs, sockets, cores and memory as slurmd sees them ("CPUs=2 ... RealMemory=24105")."""
    printed = subprocess.run([program("slurmd"), "-C"], capture_output=True, text=True, check=True).stdout
    first_line = printed.splitlines()[0]
    return " ".join(word for word in first_line.split() if not word.startswith("NodeName="))


@dataclass
class SlurmCluster:
    root: Path
    host: str = field(default_factory=lambda: socket.gethostname().split(".")[0])
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """The environment for SLURM clients (sbatch, squeue, and Snakemake that calls them)."""
        path = f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
        return os.environ | {"SLURM_CONF": str(self.conf), "PATH": path}

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for folder in ("state", "spool"):
            (self.root / folder).mkdir(exist_ok=True)
        self._make_fake_gpus()
        self._write_munge_key()
        self._write_config()
        self._write_srun_wrapper()
        self._spawn(
            "munged",
            "--foreground",
            "--force",
            f"--socket={self.root / 'munge.socket'}",
            f"--key-file={self.root / 'munge.key'}",
            f"--pid-file={self.root / 'munged.pid'}",
            f"--log-file={self.root / 'munged.log'}",
            f"--seed-file={self.root / 'munged.seed'}",
        )
        self._wait(lambda: (self.root / "munge.socket").exists(), "munged to open its socket")
        self._spawn("slurmctld", "-D", "-c", "-f", str(self.conf))
        self._spawn("slurmd", "-D", "-N", self.host, "-f", str(self.conf))
        self._wait(self._node_idle, f"node {self.host} to be idle in sinfo")

    def stop(self) -> None:
        """Cancel jobs a failed run left behind, then stop the daemons in reverse order (kill after 20 s)."""
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            self._cancel_jobs()
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            del self.processes[name]

    def logs(self) -> str:
        """The daemons' logs, for a failure report."""
        parts = []
        for name in ("slurmctld.log", "slurmd.log", "munged.log", "slurmctld.out", "slurmd.out", "munged.out"):
            path = self.root / name
            if path.exists():
                parts.append(f"----- {path} (last 4000 characters)\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def _make_fake_gpus(self) -> None:
        for index in range(FAKE_GPUS):
            device = self.root / f"fakegpu{index}"
            if not device.exists():
                os.mknod(device, 0o666 | 0o020000, os.makedev(NVIDIA_MAJOR, index))  # S_IFCHR

    def _write_munge_key(self) -> None:
        key = self.root / "munge.key"
        if not key.exists():
            key.write_bytes(os.urandom(1024))
            key.chmod(0o400)

    def _write_config(self) -> None:
        root = self.root
        self.conf.write_text(
            f"""\
ClusterName=phoenixtest
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root / "munge.socket"}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={root / "state"}
SlurmdSpoolDir={root / "spool"}
SlurmctldPidFile={root / "slurmctld.pid"}
SlurmdPidFile={root / "slurmd.pid"}
SlurmctldLogFile={root / "slurmctld.log"}
SlurmdLogFile={root / "slurmd.log"}
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
GresTypes=gpu
NodeName={self.host} NodeAddr=127.0.0.1 {_node_hardware()} Gres=gpu:{FAKE_GPUS} State=UNKNOWN
PartitionName={PARTITION} Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
"""
        )
        (root / "gres.conf").write_text(f"NodeName={self.host} Name=gpu File={root}/fakegpu[0-{FAKE_GPUS - 1}]\n")

    def _write_srun_wrapper(self) -> None:
        """The SLURM jobstep plugin removes SLURM_* variables, SLURM_CONF too, before its `srun`
        inside a job; a site's srun finds /etc/slurm/slurm.conf, this cluster's lives here."""
        wrapper = self.root / "bin" / "srun"
        wrapper.parent.mkdir(exist_ok=True)
        wrapper.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {program("srun")} "$@"\n')
        wrapper.chmod(0o755)

    def _spawn(self, name: str, *args: str) -> None:
        with open(self.root / f"{name}.out", "ab") as out:
            self.processes[name] = subprocess.Popen(
                [program(name), *args], stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )

    def _cancel_jobs(self) -> None:
        subprocess.run([program("scancel"), "--user", str(os.getuid())], env=self.env, capture_output=True, timeout=30)
        try:
            self._wait(lambda: not self._squeue(LIVE_JOB_STATES), "cancelled jobs to end")
        except RuntimeError as err:
            print(err)  # stop the daemons all the same

    def _squeue(self, states: str) -> list[str]:
        result = subprocess.run(
            [program("squeue"), "--noheader", "--format=%i", f"--states={states}"],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        return result.stdout.split()

    def _node_idle(self) -> bool:
        result = subprocess.run(
            [program("sinfo"), "--noheader", "--nodes", self.host, "--format=%T"],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        return result.returncode == 0 and result.stdout.strip() == "idle"

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not ready():
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                reason = f"{', '.join(dead)} exited" if dead else f"no result in {READY_TIMEOUT} s"
                raise RuntimeError(f"SLURM test cluster: waiting for {what}: {reason}.\n{self.logs()}")
            time.sleep(0.5)
