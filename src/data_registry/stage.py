"""Entry point shared by pipeline scripts and the CLI: one error line and an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from data_registry.errors import RegistryError


def fail(error: RegistryError) -> NoReturn:
    print(f"error: {error.one_line()}", file=sys.stderr)
    raise SystemExit(error.exit_code)


def run(main: Callable[[], object]) -> None:
    """Run a pipeline step; a RegistryError becomes one line on stderr and a non-zero exit.
    Library noise is off unless DATA_REGISTRY_VERBOSE is set (see `quiet`)."""
    from data_registry import quiet, settings

    quiet.silence_libraries(settings.verbose())
    try:
        main()
    except RegistryError as error:
        fail(error)


@dataclass(frozen=True)
class PublishRequest:
    """What the wrapper tells `scripts/publish.py` (runner._publish_serving_copies): run facts,
    which never enter params or metadata."""

    tag: str
    version: str


def publish_request(argv: Sequence[str] | None = None) -> PublishRequest:
    parser = argparse.ArgumentParser(description="Publish the serving copies of one dataset version.")
    parser.add_argument("--tag", required=True)
    parser.add_argument("--version", required=True)
    args = parser.parse_args(argv)
    return PublishRequest(tag=args.tag, version=args.version)
