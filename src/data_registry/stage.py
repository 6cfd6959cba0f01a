"""Entry point shared by pipeline scripts and the CLI: one error line and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

from data_registry.errors import RegistryError


def fail(error: RegistryError) -> NoReturn:
    print(f"error: {error.one_line()}", file=sys.stderr)
    raise SystemExit(error.exit_code)


def run(main: Callable[[], object]) -> None:
    """Run a pipeline step; a RegistryError becomes one line on stderr and a non-zero exit."""
    try:
        main()
    except RegistryError as error:
        fail(error)
