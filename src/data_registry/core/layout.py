"""Where everything lives: the one module that knows the registry's paths and tag names.

A pipeline is `pipelines/<ds>/` (dvc.yaml, dvc.lock, params.yaml, the card README.md,
scripts/); its data is `data/<ds>/` (raw/, interim/, processed/<split>/<split>.parquet,
metadata.json, metrics.json, plots/); collections are `data/collections/<name>` with a
`.dvc` file beside; a version is the git tag `<ds>-vX.Y.Z` (a collection's:
`collection-<name>-vX.Y.Z`). Moving any of these means changing this module alone: a unit
test fails on a path or tag f-string anywhere else in src/ or pipelines/.

Two forms of each path: repo-relative POSIX strings (what `git show <tag>:<path>` and
DVC's filesystem want, no checkout needed) and `Path`s under a checkout (`Layout`).
This module imports nothing from the package, so anything may import it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

PIPELINES = "pipelines"
DATA = "data"
DVC_YAML = "dvc.yaml"
DVC_LOCK = "dvc.lock"
PARAMS = "params.yaml"
CARD = "README.md"
METADATA = "metadata.json"
METRICS = "metrics.json"
RAW = "raw"
INTERIM = "interim"
PROCESSED = "processed"
PLOTS = "plots"
PARQUET = ".parquet"
DVC_FILE = ".dvc"
COLLECTIONS = posixpath.join(DATA, "collections")
COLLECTION_TAG_PREFIX = "collection-"
# The one tag grammar: `<name>-v<semver>`; versions.py parses the version part.
VERSION_MARK = "-v"


# Repo-relative paths (POSIX strings), for reading a tag without a checkout.


def pipeline_path(name: str) -> str:
    return posixpath.join(PIPELINES, name)


def dvc_yaml_path(name: str) -> str:
    return posixpath.join(pipeline_path(name), DVC_YAML)


def lock_path(name: str) -> str:
    return posixpath.join(pipeline_path(name), DVC_LOCK)


def card_path(name: str) -> str:
    return posixpath.join(pipeline_path(name), CARD)


def data_path(name: str) -> str:
    return posixpath.join(DATA, name)


def metadata_path(name: str) -> str:
    return posixpath.join(data_path(name), METADATA)


def processed_path(name: str) -> str:
    return posixpath.join(data_path(name), PROCESSED)


def split_path(name: str, split: str) -> str:
    return posixpath.join(processed_path(name), split)


def processed_from_pipeline(name: str) -> str:
    """The processed out as dvc.lock names it: relative to the pipeline folder."""
    return posixpath.relpath(processed_path(name), pipeline_path(name))


def out_path(name: str, lock_relative: str) -> str:
    """An out as dvc.lock names it (relative to the pipeline folder), made repo-relative."""
    return posixpath.normpath(posixpath.join(pipeline_path(name), lock_relative))


def collection_path(name: str) -> str:
    return posixpath.join(COLLECTIONS, name)


def collection_dvc_path(name: str) -> str:
    return collection_path(name) + DVC_FILE


def parquet_name(stem: str) -> str:
    """`<stem>.parquet`: a single-file split is `<split>/<split>.parquet`, a hub file `<key>.parquet`."""
    return stem + PARQUET


def at(tag: str, path: str) -> str:
    """`<tag>:<path>`, the object name `git show` / `git cat-file` read."""
    return f"{tag}:{path}"


# Tag names.


def tag_prefix(name: str) -> str:
    """Every version tag of `name` starts with this; `parse_tag` checks the semver after it."""
    return name + VERSION_MARK


def tag_name(name: str, version: object) -> str:
    return tag_prefix(name) + str(version)


def tag_pattern(name: str) -> str:
    """Glob for `git tag -l`; versions.parse_tag then drops look-alikes such as `<ds>-vfoo`."""
    return tag_prefix(name) + "*"


def tag_shape(name: str) -> str:
    """`<name>-vX.Y.Z`, for messages that say what tag was looked for."""
    return tag_name(name, "X.Y.Z")


def collection_tag_name(name: str) -> str:
    """The tag "dataset" name of a collection: its tags are `collection-<name>-vX.Y.Z`."""
    return COLLECTION_TAG_PREFIX + name


# Paths under a checkout.


@dataclass(frozen=True)
class Layout:
    """One dataset's files under a checkout at `root`."""

    name: str
    root: Path

    @property
    def pipeline_dir(self) -> Path:
        return self.root / pipeline_path(self.name)

    @property
    def dvc_yaml(self) -> Path:
        return self.root / dvc_yaml_path(self.name)

    @property
    def params_file(self) -> Path:
        return self.pipeline_dir / PARAMS

    @property
    def lock_file(self) -> Path:
        return self.root / lock_path(self.name)

    @property
    def data_dir(self) -> Path:
        return self.root / data_path(self.name)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / RAW

    @property
    def interim_dir(self) -> Path:
        return self.data_dir / INTERIM

    @property
    def processed_dir(self) -> Path:
        return self.root / processed_path(self.name)

    @property
    def plots_dir(self) -> Path:
        return self.data_dir / PLOTS

    @property
    def metadata_file(self) -> Path:
        return self.root / metadata_path(self.name)

    @property
    def metrics_file(self) -> Path:
        return self.data_dir / METRICS

    def raw_parquet(self, stem: str) -> Path:
        return self.raw_dir / parquet_name(stem)

    def split_dir(self, split: str) -> Path:
        return self.root / split_path(self.name, split)

    def split_file(self, split: str) -> Path:
        """`processed/<split>/<split>.parquet`, the file of a split that is one file."""
        return self.split_dir(split) / parquet_name(split)

    def relative(self, path: Path) -> str:
        """Repo-relative POSIX path, the form git and `git show <rev>:<path>` want."""
        return path.relative_to(self.root).as_posix()

    def out_path(self, lock_relative: str) -> str:
        return out_path(self.name, lock_relative)


def collections_dir(root: Path) -> Path:
    return root / COLLECTIONS
