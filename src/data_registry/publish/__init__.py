"""Serving targets a dataset version is published to, behind one protocol (`base.Publisher`).

The registry below maps the names a dataset's `serving.yaml` may declare to their
implementations. Entries are `module:factory` strings so that importing this package (the
CLI does) loads neither psycopg nor mlflow. To add a target (a second vector store): write
`publish/<store>.py` with a class implementing `Publisher` and add one line here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from data_registry.publish.base import PublisherFactory

PUBLISHERS: dict[str, str] = {
    "pgvector": "data_registry.publish.pgvector:PgvectorPublisher",
    "mlflow": "data_registry.publish.mlflow_runs:BuildRunPublisher",
}


def factory(name: str) -> PublisherFactory:
    """The implementation registered as `name` (a known name: `serving.load` checks)."""
    module, _, attribute = PUBLISHERS[name].partition(":")
    found: PublisherFactory = getattr(importlib.import_module(module), attribute)
    return found
