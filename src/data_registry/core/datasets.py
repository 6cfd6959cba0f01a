"""Find the registry root and its pipelines; validate dataset names before they touch a path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from data_registry.core.errors import (
    InvalidCollectionName,
    InvalidDatasetName,
    UnknownDataset,
    UsageError,
)
from data_registry.core.layout import COLLECTION_TAG_PREFIX, DVC_YAML, PIPELINES, Layout

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
# Names become folder names and git tag names (`collection-<name>-v1.2.3`): short enough for both.
MAX_NAME_LENGTH = 64
SHOWN_NAME_CHARS = 40


class Dataset(Layout):
    """A dataset's layout (paths: see `layout`) plus what its dvc.yaml declares."""

    @property
    def labels(self) -> list[str]:
        """Labels from the `artifacts:` block of dvc.yaml, e.g. `offline` for no-network pipelines."""
        artifacts: dict[str, Any] = (yaml.safe_load(self.dvc_yaml.read_text()) or {}).get("artifacts") or {}
        return sorted({label for artifact in artifacts.values() for label in artifact.get("labels", [])})


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` with a `.dvc` folder and a `pipelines` folder."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".dvc").is_dir() and (folder / PIPELINES).is_dir():
            return folder
    raise UsageError(f"{here} is not inside a data registry", "run from the registry checkout or pass --repo")


def validate_name(name: str) -> str:
    """A dataset name that is safe as a folder and tag name; anything else is a usage error."""
    _check_name(name, "dataset", InvalidDatasetName)
    if name.startswith(COLLECTION_TAG_PREFIX):
        raise InvalidDatasetName(
            f"{name!r} is a collection's tag prefix, not a dataset name",
            f"name the collection as collection:{name.removeprefix(COLLECTION_TAG_PREFIX)}",
        )
    return name


def validate_collection_name(name: str) -> str:
    _check_name(name, "collection", InvalidCollectionName)
    return name


def _check_name(name: str, kind: str, error: type[InvalidDatasetName]) -> None:
    if not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise error(f"invalid {kind} name {shown_name(name)}")


def shown_name(name: str) -> str:
    """repr() of a user-given name, cut short: a hostile name must not flood the one error line."""
    if len(name) <= SHOWN_NAME_CHARS:
        return repr(name)
    return f"{name[:SHOWN_NAME_CHARS]!r}… ({len(name)} characters)"


def get(root: Path, name: str) -> Dataset:
    dataset = Dataset(validate_name(name), root)
    if not dataset.dvc_yaml.is_file():
        known = ", ".join(d.name for d in discover(root)) or "none"
        raise UnknownDataset(f"unknown dataset {name!r} (known: {known})")
    return dataset


def discover(root: Path) -> list[Dataset]:
    pipelines = root / PIPELINES
    return [
        Dataset(folder.name, root)
        for folder in sorted(pipelines.iterdir())
        if NAME_PATTERN.fullmatch(folder.name) and (folder / DVC_YAML).is_file()
    ]
