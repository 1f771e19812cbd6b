"""Logging for the entry points that Snakemake runs: everything goes to the rule's log file."""

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import InputError

FORMAT = "%(asctime)s %(levelname)s %(message)s"


@contextmanager
def log_to(path: str) -> Iterator[logging.Logger]:
    """Send logging, stderr and the C++ logs of MediaPipe to `path`.

    An error is written to the log and to the console, then the job fails.
    """
    console = os.fdopen(os.dup(2), "w", buffering=1)
    log_file = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (open for the life of the job)
    os.dup2(log_file.fileno(), 2)
    sys.stderr = log_file
    logging.basicConfig(level=logging.INFO, format=FORMAT, handlers=[logging.StreamHandler(log_file)], force=True)
    logger = logging.getLogger("phoenix_keypoints")
    try:
        yield logger
    except InputError as err:
        logger.error("%s", err)
        console.write(f"Error: {err}\n")
        sys.exit(1)
    except BaseException as err:
        logger.exception("failed: %s", err)
        console.write(f"Error: {type(err).__name__}: {err} (see {path})\n")
        raise
