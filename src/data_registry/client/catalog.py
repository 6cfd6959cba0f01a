"""`data-registry list`: every dataset and collection with its latest version, rows/files and size.

One broken entry (a tag without its metadata.json, a malformed .dvc file) never
costs the listing: that entry carries its error, the others are listed as usual.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import yaml

from data_registry.client import collection, files, remote_tags
from data_registry.client.api import Repo, metadata
from data_registry.client.location import Registry, locate
from data_registry.core import layout
from data_registry.core.datasets import discover
from data_registry.core.errors import RegistryError
from data_registry.core.versions import split_tag, tag_name


def catalog(repo: Repo = None) -> list[dict[str, Any]]:
    """One entry per dataset that has a version (plus unversioned pipelines of a local checkout),
    then one per collection; each has `kind` (dataset or collection), `name` and, if it could
    not be read, `error`. Dataset entries keep their `dataset` key."""
    registry = locate(repo)
    tags = remote_tags.list_tags(registry)
    names = {split[0] for tag in tags if (split := split_tag(tag))}
    names = {name for name in names if not name.startswith(layout.COLLECTION_TAG_PREFIX)}
    if registry.local_root is not None:
        names |= {dataset.name for dataset in discover(registry.local_root)}
    datasets = [_dataset_entry(name, tags, registry) for name in sorted(names)]
    return datasets + [_collection_entry(name, tags, registry) for name in collection.names(tags)]


def _dataset_entry(name: str, tags: list[str], registry: Registry) -> dict[str, Any]:
    found = remote_tags.dataset_versions(name, tags)
    entry: dict[str, Any] = {"kind": "dataset", "name": name, "dataset": name, "latest": None}
    entry.update(versions=len(found), rows=None, files=None, size_bytes=None)
    if found:
        with _error_into(entry):
            document = metadata(name, str(found[-1]), registry)
            lock = files.read_text(registry, document["tag"], layout.lock_path(name))
            entry.update(
                latest=document["version"],
                rows=sum(document["splits"].values()),
                size_bytes=processed_size(lock, name),
            )
    return entry


def _collection_entry(name: str, tags: list[str], registry: Registry) -> dict[str, Any]:
    found = remote_tags.dataset_versions(collection.tag_prefix(name), tags)
    entry: dict[str, Any] = {"kind": "collection", "name": name, "latest": str(found[-1])}
    entry.update(versions=len(found), rows=None, files=None, size_bytes=None)
    with _error_into(entry):
        described = collection.summary(name, tag_name(collection.tag_prefix(name), found[-1]), registry)
        entry.update(files=described["files"], size_bytes=described["size_bytes"])
    return entry


@contextlib.contextmanager
def _error_into(entry: dict[str, Any]) -> Iterator[None]:
    try:
        yield
    except (RegistryError, ValueError, KeyError, TypeError, AttributeError) as error:
        entry["error"] = error.one_line() if isinstance(error, RegistryError) else f"unreadable: {error!r}"


def processed_size(lock_text: str, dataset: str) -> int | None:
    """Bytes of the processed out as dvc.lock records them (DVC stores `size` per out)."""
    lock = yaml.safe_load(lock_text) or {}
    wanted = layout.processed_path(dataset)
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if layout.out_path(dataset, out["path"]) == wanted:
                return int(out["size"]) if "size" in out else None
    return None
