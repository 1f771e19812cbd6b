"""A pool of GPU slots shared by concurrent jobs on one machine: one lock file per GPU.

Snakemake counts `gpu` resources but never says which GPU a job may use. Each
extraction job takes the first free lock (flock: the kernel releases it when the
holder exits, even after kill -9) and sets CUDA_VISIBLE_DEVICES to that slot's
device before anything that could touch a GPU is imported.
"""

import fcntl
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Set in every job a batch scheduler starts; its CUDA_VISIBLE_DEVICES is its own choice.
SCHEDULER_JOB_VARIABLES = ("SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID")


@dataclass
class GpuSlot:
    cuda_visible_devices: str | None
    source: str  # "scheduler", "pool" or "none"
    _fd: int | None = None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def scheduler_job(environ=os.environ) -> str | None:
    return next((name for name in SCHEDULER_JOB_VARIABLES if environ.get(name)), None)


def pool_devices(num_gpus: int, environ=os.environ) -> list[str]:
    """The devices to share: those the user made visible, else 0 .. num_gpus-1."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        return [d.strip() for d in visible.split(",") if d.strip()]
    return [str(i) for i in range(num_gpus)]


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def acquire_gpu_slot(
    num_gpus: int, lock_dir: str | os.PathLike, poll_seconds: float = 0.2, environ=os.environ
) -> GpuSlot:
    """Take a free slot and export CUDA_VISIBLE_DEVICES; wait while all are taken.

    Inside a scheduler's job the scheduler's CUDA_VISIBLE_DEVICES (or its absence)
    is kept as it is. With num_gpus 0 nothing is pinned.
    """
    scheduler = scheduler_job(environ)
    if scheduler:
        return GpuSlot(environ.get("CUDA_VISIBLE_DEVICES"), f"scheduler ({scheduler})")
    devices = pool_devices(num_gpus, environ)
    if num_gpus <= 0 or not devices:
        return GpuSlot(environ.get("CUDA_VISIBLE_DEVICES"), "none")
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    waited = False
    while True:
        for device in devices:
            lock_file = lock_dir / f"gpu{device}.lock"
            fd = _try_lock(lock_file)
            if fd is not None:
                environ["CUDA_VISIBLE_DEVICES"] = device
                return GpuSlot(device, "pool", fd)
        if not waited:
            log.info("all %d GPU slots in %s are taken; waiting for one", len(devices), lock_dir)
            waited = True
        time.sleep(poll_seconds)
