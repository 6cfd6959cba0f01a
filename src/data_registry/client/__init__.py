"""Consumers' view of a registry: versions, metadata and data of exact, immutable versions.

Every function takes `repo=` (a local checkout path or a git URL; default: the
checkout around the current folder), `remote=` and `remote_config=` (passed to
DVC, e.g. `{"endpointurl": ..., "access_key_id": ...}` for a private S3 remote).
Importing this package is cheap: DVC, pyarrow, Ray, MLflow and torch are imported
by the functions that need them.
"""

from __future__ import annotations

from data_registry.client.api import (
    card,
    get,
    metadata,
    outs,
    read_arrow,
    read_pandas,
    resolve,
    split_files,
    tag,
    versions,
)
from data_registry.client.catalog import catalog
from data_registry.client.compare import diff
from data_registry.client.lineage import log_to_mlflow
from data_registry.client.location import Registry, locate
from data_registry.client.ray_data import read_ray
from data_registry.client.torch_data import torch_dataset
from data_registry.client.verify import verify

__all__ = [
    "Registry",
    "card",
    "catalog",
    "diff",
    "get",
    "locate",
    "log_to_mlflow",
    "metadata",
    "outs",
    "read_arrow",
    "read_pandas",
    "read_ray",
    "resolve",
    "split_files",
    "tag",
    "torch_dataset",
    "verify",
    "versions",
]
