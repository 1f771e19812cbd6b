"""What the tests and the benchmarks share: where the project and its third-party data are, how they run the
workflow, and what the engine is checked against (trace: MediaPipe's own graph; litert: the TFLite runtime;
floor: MediaPipe's noise floor, judged as verify judges it).

These need a source checkout (pip install -e .) with ../shared beside it, as every development machine and CI
have; the workflow itself never imports them.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
# Third-party data stays outside the project, in ../shared (data/, and tools/ with MediaPipe's graph trace).
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SAMPLE = SHARED_DATA / "phoenix-mini" / "PHOENIX-2014-T"


def snakemake_command(workdir: Path, *args: str, config: dict | None = None) -> list[str]:
    """The command that runs the project's Snakefile in `workdir` with this Python, `config` as --config."""
    command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *args]
    if config:
        command += ["--config", *(f"{key}={value}" for key, value in config.items())]
    return command
