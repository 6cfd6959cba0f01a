"""Library noise off by default: a run prints its own progress and summary, nothing else.

Ray's progress blocks and worker messages (some written by its C++ core straight to file
descriptor 2), the weight-loading bar of transformers and third-party warnings go to a log
file under DATA_REGISTRY_HOME/logs instead; `-v` (DATA_REGISTRY_VERBOSE=1) shows them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from data_registry.core.settings import Settings

LOG_FOLDER = "logs"


def silence_libraries(verbose: bool = False) -> None:
    """Progress bars and known-harmless warnings of the libraries this project loads, off unless verbose.

    Set before the libraries are imported: transformers reads HF_HUB_DISABLE_PROGRESS_BARS once."""
    if verbose:
        return
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # pgserver asks platformdirs for a runtime dir at import; without XDG_RUNTIME_DIR (containers,
    # CI, root shells) platformdirs warns and falls back to /tmp, which is what we want anyway.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    if "transformers" in sys.modules:  # imported already: switch its bar off directly
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()


def log_path(settings: Settings, name: str) -> Path:
    return settings.home / LOG_FOLDER / f"{name}.log"


@contextlib.contextmanager
def noise_to_log(settings: Settings, name: str) -> Iterator[None]:
    """Send everything written to stdout and stderr (file descriptors, so child threads and C++
    code too) to `log_path(settings, name)` for the duration; nothing changes when verbose."""
    if settings.verbose:
        yield
        return
    path = log_path(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
