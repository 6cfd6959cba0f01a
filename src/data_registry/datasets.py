"""Find the registry root and its pipelines; validate dataset names before they touch a path."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from data_registry.errors import InvalidDatasetName, UnknownDataset, UsageError

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Dataset:
    name: str
    root: Path

    @property
    def pipeline_dir(self) -> Path:
        return self.root / "pipelines" / self.name

    @property
    def dvc_yaml(self) -> Path:
        return self.pipeline_dir / "dvc.yaml"

    @property
    def params_file(self) -> Path:
        return self.pipeline_dir / "params.yaml"

    @property
    def lock_file(self) -> Path:
        return self.pipeline_dir / "dvc.lock"

    @property
    def publish_script(self) -> Path:
        """Optional step after versioning: serving copies (a pgvector table, an MLflow run)."""
        return self.pipeline_dir / "scripts" / "publish.py"

    @property
    def data_dir(self) -> Path:
        return self.root / "data" / self.name

    @property
    def metadata_file(self) -> Path:
        return self.data_dir / "metadata.json"

    def relative(self, path: Path) -> str:
        """Repo-relative POSIX path, the form git and `git show <rev>:<path>` want."""
        return path.relative_to(self.root).as_posix()

    def out_path(self, lock_path: str) -> str:
        """An out as dvc.lock names it (relative to the pipeline folder), made repo-relative."""
        return posixpath.normpath(f"pipelines/{self.name}/{lock_path}")

    @property
    def labels(self) -> list[str]:
        """Labels from the `artifacts:` block of dvc.yaml, e.g. `offline` for no-network pipelines."""
        artifacts: dict[str, Any] = (yaml.safe_load(self.dvc_yaml.read_text()) or {}).get("artifacts") or {}
        return sorted({label for artifact in artifacts.values() for label in artifact.get("labels", [])})


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` with a `.dvc` folder and a `pipelines` folder."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".dvc").is_dir() and (folder / "pipelines").is_dir():
            return folder
    raise UsageError(f"{here} is not inside a data registry", "run from the registry checkout or pass --repo")


def validate_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidDatasetName(f"invalid dataset name {name!r}")
    return name


def get(root: Path, name: str) -> Dataset:
    dataset = Dataset(validate_name(name), root)
    if not dataset.dvc_yaml.is_file():
        known = ", ".join(d.name for d in discover(root)) or "none"
        raise UnknownDataset(f"unknown dataset {name!r} (known: {known})")
    return dataset


def discover(root: Path) -> list[Dataset]:
    pipelines = root / "pipelines"
    return [
        Dataset(folder.name, root)
        for folder in sorted(pipelines.iterdir())
        if NAME_PATTERN.fullmatch(folder.name) and (folder / "dvc.yaml").is_file()
    ]
