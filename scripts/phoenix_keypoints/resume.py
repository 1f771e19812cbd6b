"""Resume a killed run: remove Snakemake's stale lock, then rerun incomplete jobs.

After kill -9 Snakemake leaves its lock behind and the next run stops with a
LockException. Unlocking is only safe when no other Snakemake works in the same
folder, so this refuses while one does.
"""

import os
import subprocess
import sys
from pathlib import Path


def _cmdline(pid: str) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


def _is_snakemake(argv: list[str]) -> bool:
    return any(Path(arg).name == "snakemake" for arg in argv[:3]) or "snakemake" in argv[1:3]


def _workdir_of_args(argv: list[str]) -> Path | None:
    for flag in ("--directory", "-d"):
        if flag in argv[:-1]:
            return Path(argv[argv.index(flag) + 1]).resolve()
    return None


def _workdir(pid: str, argv: list[str]) -> Path | None:
    if (given := _workdir_of_args(argv)) is not None:
        return given
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None


def running_snakemake(workdir: Path) -> list[int]:
    """Process ids of Snakemake runs (not jobs) working in `workdir`, other than this process."""
    workdir = workdir.resolve()
    own = {os.getpid(), os.getppid()}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        argv = _cmdline(entry.name)
        if argv and _is_snakemake(argv) and _workdir(entry.name, argv) == workdir:
            found.append(int(entry.name))
    return found


def resume(snakemake_args: list[str]) -> int:
    """Unlock, then run Snakemake again with --rerun-incomplete; the exit code of the run."""
    workdir = _workdir_of_args(snakemake_args) or Path.cwd()
    busy = running_snakemake(workdir)
    if busy:
        print(
            f"Refusing to unlock: Snakemake is still running in {workdir} (pid {', '.join(map(str, busy))}).\n"
            "Wait for it to finish or stop it first; unlocking under a live run would let two runs write the same "
            "files.",
            file=sys.stderr,
        )
        return 3
    snakemake = [sys.executable, "-m", "snakemake"]
    unlocked = subprocess.run([*snakemake, *snakemake_args, "--unlock"])
    if unlocked.returncode != 0:
        return unlocked.returncode
    return subprocess.run([*snakemake, *snakemake_args, "--rerun-incomplete"]).returncode
