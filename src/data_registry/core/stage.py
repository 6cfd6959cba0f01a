"""Entry point shared by pipeline scripts and the CLI: one error line and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from data_registry.core.errors import ParamsError, RegistryError


def fail(error: RegistryError) -> NoReturn:
    print(f"error: {error.one_line()}", file=sys.stderr)
    raise SystemExit(error.exit_code)


def run(main: Callable[[], object]) -> None:
    """Run a pipeline step; a RegistryError becomes one line on stderr and a non-zero exit.
    Library noise is off unless DATA_REGISTRY_VERBOSE is set (see `quiet`)."""
    from data_registry.core import quiet, settings

    quiet.silence_libraries(settings.verbose())
    try:
        main()
    except RegistryError as error:
        fail(error)


def require(values: Mapping[str, Any], key: str, holds: Callable[[Any], bool], expected: str) -> Any:
    """The param `key` if `holds(value)`; else a ParamsError naming key, value and what is expected,
    so a value a stage cannot use (`-S n_samples=-5`) ends in one line, not a numpy traceback."""
    value = values.get(key)
    try:
        ok = holds(value)
    except TypeError:
        ok = False
    if not ok:
        raise ParamsError(
            f"params.yaml: {key}={value!r} is not {expected}", f"set {key} to {expected} and rerun"
        )
    return value


def is_count(value: Any) -> bool:
    """A positive int (bool is an int in Python, but `n_samples: true` is a mistake)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
