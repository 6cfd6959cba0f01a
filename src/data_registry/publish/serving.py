"""A dataset's `serving.yaml`: which publishers serve its versions, and their options.

Serving config lives here rather than in params.yaml because it is not what a version is:
DVC never hashes this file (no stage reads it), so a new table name or index shape makes no
new version; the next run, even an unchanged one, publishes with it. It is committed code
all the same: a run refuses a dirty serving.yaml like a dirty dvc.yaml, so a tag's commit
holds the config its version was first served with.

    publishers:
      pgvector: {table: readmes_embeddings, m: 16, ef_construction: 128}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from data_registry import publish
from data_registry.core.errors import yaml_problem
from data_registry.publish.base import SERVING_FILE, ServingFileError

if TYPE_CHECKING:
    from data_registry.core.datasets import Dataset
    from data_registry.core.settings import Settings
    from data_registry.publish.base import Publisher


def load(dataset: Dataset) -> dict[str, Mapping[str, Any]]:
    """Publisher name → options, in file order; {} when the dataset has no serving file."""
    path = dataset.pipeline_dir / SERVING_FILE
    if not path.is_file():
        return {}
    shown = dataset.relative(path)
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ServingFileError(f"{shown} is not valid YAML: {yaml_problem(error)}") from error
    if not isinstance(document, Mapping) or set(document) - {"publishers"}:
        raise ServingFileError(f"{shown} must be a mapping with one key, `publishers`")
    declared = document.get("publishers") or {}
    if not isinstance(declared, Mapping):
        raise ServingFileError(f"{shown}: `publishers` must map names to options")
    unknown = sorted(str(name) for name in declared if name not in publish.PUBLISHERS)
    if unknown:
        raise ServingFileError(
            f"{shown} names unknown publishers {unknown}",
            f"use one of {sorted(publish.PUBLISHERS)}, or add publish/<name>.py and register it",
        )
    options = {str(name): value or {} for name, value in declared.items()}
    for name, value in options.items():
        if not isinstance(value, Mapping):
            raise ServingFileError(f"{shown}: the options of {name} must be a mapping, not {value!r}")
    return options


def publishers(dataset: Dataset, settings: Settings) -> list[Publisher]:
    """The publishers the dataset declares, built (and their options checked) now, before a run
    writes anything: a typo in serving.yaml must not surface only after a version is tagged."""
    return [publish.factory(name)(dataset, settings, options) for name, options in load(dataset).items()]
