"""The catalog's data: every dataset's versions with their metadata, and every collection.

Read in three batches (metadata and locks of every tag; card, dvc.yaml and collection
files of each latest tag; the plots data those dvc.yaml files name), so the cost grows
with the number of tags, not with the number of git processes.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from data_registry.client.catalog import processed_size
from data_registry.client.compare import changed, flatten
from data_registry.core import layout, lockfile
from data_registry.core.errors import MetadataError
from data_registry.core.git import Git, TagRecord
from data_registry.core.layout import COLLECTION_TAG_PREFIX as TAG_PREFIX
from data_registry.core.versions import Version, split_tag
from data_registry.formats import metadata as metadata_schema

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Release:
    """One version tag of a dataset, with what the tag and its files say."""

    name: str
    version: Version
    tag: str
    date: str
    reason: str
    document: dict[str, Any] | None = None
    lock: str | None = None
    problem: str | None = None
    params_changed: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rows(self) -> int | None:
        return sum(self.document["splits"].values()) if self.document else None

    @cached_property
    def size_bytes(self) -> int | None:
        return processed_size(self.lock, self.name) if self.lock else None

    # Flattened once per release: charts and the diff view read them for every version.
    @cached_property
    def flat_params(self) -> dict[str, Any]:
        return flatten(self.document["params"]) if self.document else {}

    @cached_property
    def flat_metrics(self) -> dict[str, Any]:
        return flatten(self.document["metrics"]) if self.document else {}

    @cached_property
    def outs(self) -> dict[str, str]:
        """{repo-relative out path: md5} from dvc.lock: the version's identity."""
        return {
            layout.out_path(self.name, path): digest
            for path, digest in lockfile.out_hashes(self.lock).items()
        }


@dataclass
class Plot:
    """Plots data of the latest version, reduced to one value per label (splits summed)."""

    title: str
    label_field: str
    value_field: str
    bars: list[tuple[str, float]]


@dataclass
class DatasetHistory:
    name: str
    releases: list[Release]
    card: str = ""
    description: str = ""
    labels: list[str] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)

    @property
    def latest(self) -> Release:
        return self.releases[-1]

    @property
    def documented(self) -> list[Release]:
        return [release for release in self.releases if release.document is not None]


@dataclass
class CollectionHistory:
    name: str
    releases: list[Release]
    files: int | None = None
    size_bytes: int | None = None


@dataclass
class Catalog:
    datasets: list[DatasetHistory]
    collections: list[CollectionHistory]

    @property
    def problems(self) -> list[str]:
        return [
            f"{release.tag}: {release.problem}"
            for history in self.datasets
            for release in history.releases
            if release.problem
        ]


def load(git: Git) -> Catalog:
    """Every dataset and collection that has at least one version tag."""
    grouped: dict[str, list[Release]] = {}
    for record in git.tag_records():
        release = _release(record)
        if release is not None:
            grouped.setdefault(release.name, []).append(release)
    for releases in grouped.values():
        releases.sort(key=lambda release: release.version)
    names = sorted(grouped)
    datasets = [DatasetHistory(name, grouped[name]) for name in names if not name.startswith(TAG_PREFIX)]
    collections = [CollectionHistory(name, grouped[name]) for name in names if name.startswith(TAG_PREFIX)]
    _read_releases(git, datasets)
    _read_latest(git, datasets, collections)
    return Catalog(datasets, collections)


def _release(record: TagRecord) -> Release | None:
    split = split_tag(record.name)
    if split is None:
        return None
    first_line = (record.message.splitlines() or [""])[0]
    reason = first_line.split(": ", 1)[1] if first_line.startswith(f"{record.name}: ") else first_line
    return Release(split[0], split[1], record.name, record.date, reason)


def _read_releases(git: Git, datasets: list[DatasetHistory]) -> None:
    releases = [release for history in datasets for release in history.releases]
    specs = [
        spec
        for release in releases
        for spec in (
            layout.at(release.tag, layout.metadata_path(release.name)),
            layout.at(release.tag, layout.lock_path(release.name)),
        )
    ]
    texts = git.read_many(specs)
    for index, release in enumerate(releases):
        release.document, release.problem = _document(texts[2 * index])
        release.lock = texts[2 * index + 1]
    for history in datasets:
        previous: dict[str, Any] | None = None
        for release in history.documented:
            params = release.flat_params
            release.params_changed = changed(previous, params) if previous is not None else {}
            previous = params


def _document(text: str | None) -> tuple[dict[str, Any] | None, str | None]:
    if text is None:
        return None, "no metadata.json at this tag"
    try:
        document = json.loads(text)
        metadata_schema.validate(document)
    except (ValueError, MetadataError) as error:
        return None, f"unreadable metadata.json ({error})"
    return document, None


def _read_latest(git: Git, datasets: list[DatasetHistory], collections: list[CollectionHistory]) -> None:
    specs = [
        spec
        for history in datasets
        for spec in (
            layout.at(history.latest.tag, layout.card_path(history.name)),
            layout.at(history.latest.tag, layout.dvc_yaml_path(history.name)),
        )
    ]
    specs += [
        layout.at(
            history.releases[-1].tag,
            layout.collection_dvc_path(history.name.removeprefix(layout.COLLECTION_TAG_PREFIX)),
        )
        for history in collections
    ]
    texts = git.read_many(specs)
    wanted: list[tuple[DatasetHistory, dict[str, Any]]] = []
    for index, history in enumerate(datasets):
        history.card = texts[2 * index] or ""
        pipeline = _yaml(texts[2 * index + 1])
        artifact = (pipeline.get("artifacts") or {}).get(history.name) or {}
        history.description = str(artifact.get("desc") or "").strip()
        history.labels = sorted({str(label) for label in artifact.get("labels") or []})
        wanted += [(history, entry) for entry in _plot_entries(pipeline, history.name)]
    for offset, collection in enumerate(collections, start=2 * len(datasets)):
        outs = _yaml(texts[offset]).get("outs") or [{}]
        collection.files, collection.size_bytes = outs[0].get("nfiles"), outs[0].get("size")
    plot_texts = git.read_many([layout.at(history.latest.tag, entry["path"]) for history, entry in wanted])
    for (history, entry), text in zip(wanted, plot_texts, strict=True):
        plot = _plot(entry, text)
        if plot is not None:
            history.plots.append(plot)


def _yaml(text: str | None) -> dict[str, Any]:
    try:
        loaded = yaml.load(text or "", Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _plot_entries(pipeline: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """`plots:` outs of every stage, as repo-relative paths with their x/y/title/template."""
    entries = []
    for stage in (pipeline.get("stages") or {}).values():
        for item in (stage or {}).get("plots") or []:
            path, options = next(iter(item.items())) if isinstance(item, dict) else (item, {})
            options = options if isinstance(options, dict) else {}
            entries.append({**options, "path": layout.out_path(name, path)})
    return entries


def _plot(entry: dict[str, Any], text: str | None) -> Plot | None:
    """Bars from a CSV: the label axis and the value axis follow the dvc.yaml x/y and template."""
    if not text or not isinstance(entry.get("x"), str) or not isinstance(entry.get("y"), str):
        return None
    horizontal = "horizontal" in str(entry.get("template", ""))
    label_field, value_field = (entry["y"], entry["x"]) if horizontal else (entry["x"], entry["y"])
    totals: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            value = float(row[value_field])
        except (KeyError, TypeError, ValueError):
            return None
        label = str(row.get(label_field, ""))
        totals[label] = totals.get(label, 0.0) + value
    title = str(entry.get("title") or posixpath.basename(entry["path"]))
    return Plot(title, label_field, value_field, list(totals.items())) if totals else None
