"""`data-registry list`: every dataset with its latest version, row count and size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from data_registry.client import files, remote_tags
from data_registry.client.api import Repo, metadata
from data_registry.client.location import locate
from data_registry.datasets import Dataset, discover
from data_registry.versions import split_tag


def catalog(repo: Repo = None) -> list[dict[str, Any]]:
    """One entry per dataset that has a version (plus unversioned pipelines of a local checkout)."""
    registry = locate(repo)
    tags = remote_tags.list_tags(registry)
    names = {split[0] for tag in tags if (split := split_tag(tag))}
    if registry.local_root is not None:
        names |= {dataset.name for dataset in discover(registry.local_root)}
    entries = []
    for name in sorted(names):
        found = remote_tags.dataset_versions(name, tags)
        entry: dict[str, Any] = {"dataset": name, "latest": None, "versions": len(found), "rows": None}
        entry["size_bytes"] = None
        if found:
            document = metadata(name, str(found[-1]), registry)
            lock = files.read_text(registry, document["tag"], f"pipelines/{name}/dvc.lock")
            entry.update(
                latest=document["version"],
                rows=sum(document["splits"].values()),
                size_bytes=processed_size(lock, name),
            )
        entries.append(entry)
    return entries


def processed_size(lock_text: str, dataset: str) -> int | None:
    """Bytes of the processed out as dvc.lock records them (DVC stores `size` per out)."""
    lock = yaml.safe_load(lock_text) or {}
    wanted = files.processed_path(dataset)
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if Dataset(dataset, Path()).out_path(out["path"]) == wanted:
                return int(out["size"]) if "size" in out else None
    return None
