"""What the standalone tools in scripts/ share (for users who run them outside Snakemake).

Wrong or missing arguments: argparse prints the usage and the problem and exits 2.
Bad input files: the error says which file and what to do, and the tool exits 1.
"""

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import InputError
from .runlog import FORMAT


def existing_file(value: str) -> Path:
    """An argparse type: a path that must name an existing file."""
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return number


def run_tool(main: Callable[[list[str] | None], int | None], argv: list[str] | None = None) -> None:
    """Run a tool's main with logging on stderr; an InputError becomes its message and exit status 1."""
    logging.basicConfig(level=logging.INFO, format=FORMAT, stream=sys.stderr)
    try:
        status = main(argv)
    except InputError as err:
        print(f"Error: {err}", file=sys.stderr)
        sys.exit(1)
    sys.exit(status or 0)
