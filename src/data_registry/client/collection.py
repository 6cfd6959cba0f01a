"""Collections in the consumer commands: `collection:<name>` wherever a dataset name goes.

A collection (`data-registry add-collection`) is one DVC-tracked folder,
`data/collections/<name>`, described by its `.dvc` file and tagged
`collection-<name>-vX.Y.Z`. It has no pipeline, dvc.lock or metadata.json, so
what the dataset functions read from those comes from the `.dvc` file (digest,
size, file count) and from the folder's `.dir` listing (file names and md5s).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from data_registry.client import files, intact, remote_tags
from data_registry.client.location import Registry, locate
from data_registry.core import layout
from data_registry.core.atomic import atomic_dir
from data_registry.core.datasets import validate_collection_name
from data_registry.core.errors import RemoteError, UnknownCollection, UsageError
from data_registry.core.layout import COLLECTION_TAG_PREFIX
from data_registry.core.versions import Version, split_tag, tag_name

PREFIX = "collection:"
Repo = str | Path | Registry | None


def named(text: str) -> str | None:
    """`collection:cats` -> `cats` (validated); any other text names a dataset -> None."""
    if not text.startswith(PREFIX):
        return None
    return validate_collection_name(text.removeprefix(PREFIX))


def tag_prefix(name: str) -> str:
    return layout.collection_tag_name(name)


def names(tags: list[str]) -> list[str]:
    """Every collection that has a version tag, sorted."""
    prefixes = {split[0] for tag in tags if (split := split_tag(tag))}
    return sorted(
        prefix.removeprefix(COLLECTION_TAG_PREFIX)
        for prefix in prefixes
        if prefix.startswith(COLLECTION_TAG_PREFIX)
    )


def versions(name: str, repo: Repo = None) -> list[str]:
    """The collection's versions, oldest first; UnknownCollection when it has none."""
    registry = locate(repo)
    return [str(version) for version in _available(name, registry)]


def resolve_tag(name: str, version: str, registry: Registry) -> str:
    """`latest`, `1`, `1.2` or `1.2.0` -> the tag `collection-<name>-vX.Y.Z` that exists."""
    exact = remote_tags.pick(tag_prefix(name), version, _available(name, registry), registry.public_url)
    return tag_name(tag_prefix(name), exact)


def _available(name: str, registry: Registry) -> list[Version]:
    found = remote_tags.dataset_versions(tag_prefix(name), remote_tags.list_tags(registry))
    if not found:
        raise UnknownCollection(
            f"no collection {name!r} in {registry.public_url} (no tag {layout.tag_shape(tag_prefix(name))})"
        )
    return found


def summary(name: str, tag: str, registry: Registry) -> dict[str, Any]:
    """Digest, size and file count from the `.dvc` file at `tag` (git only: no DVC, no remote)."""
    text = files.read_text(registry, tag, layout.collection_dvc_path(name))
    outs = (yaml.safe_load(text) or {}).get("outs") or [{}]
    out = outs[0]
    return {"md5": out.get("md5"), "size_bytes": out.get("size"), "files": out.get("nfiles")}


def listing(name: str, tag: str, registry: Registry) -> dict[str, str]:
    """{path inside the collection: md5} from the folder's `.dir` object (cache, else remote)."""
    fs = files.filesystem(registry, tag)
    folder = layout.collection_path(name)
    with files.dvc_errors(registry, tag):
        found = fs.find(folder, detail=True)
    return {posixpath.relpath(path.lstrip("/"), folder): str(info.get("md5")) for path, info in found.items()}


def changes(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    return {
        "added": sorted(new.keys() - old.keys()),
        "removed": sorted(old.keys() - new.keys()),
        "changed": sorted(path for path in old.keys() & new.keys() if old[path] != new[path]),
    }


def show(name: str, version: str = remote_tags.LATEST, repo: Repo = None) -> dict[str, Any]:
    """File count, size, formats, and what changed since the previous version."""
    registry = locate(repo)
    tag = resolve_tag(name, version, registry)
    available = _available(name, registry)
    current = remote_tags.dataset_versions(tag_prefix(name), [tag])[0]
    older = [found for found in available if found < current]
    previous = tag_name(tag_prefix(name), older[-1]) if older else None
    files_now = listing(name, tag, registry)
    return {
        "collection": name,
        "version": str(current),
        "tag": tag,
        "registry": registry.public_url,
        **summary(name, tag, registry),
        "formats": dict(sorted(Counter(_format(path) for path in files_now).items())),
        "previous_tag": previous,
        "changes": changes(listing(name, previous, registry), files_now) if previous else None,
    }


def diff(name: str, old: str, new: str, repo: Repo = None) -> dict[str, Any]:
    """Files added, removed and changed (by md5) between two versions."""
    registry = locate(repo)
    old_tag, new_tag = resolve_tag(name, old, registry), resolve_tag(name, new, registry)
    return {
        "collection": name,
        "old": old_tag,
        "new": new_tag,
        **changes(listing(name, old_tag, registry), listing(name, new_tag, registry)),
    }


def get(
    name: str,
    version: str,
    out: Path,
    repo: Repo = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> Path:
    """Copy a collection version's files into `out`, which must not exist yet; all or nothing."""
    if out.exists():
        raise UsageError(f"{out} already exists", "choose a new --out folder or remove that one first")
    registry = locate(repo, remote=remote, remote_config=remote_config)
    tag = resolve_tag(name, version, registry)
    folder = layout.collection_path(name)
    with intact.folder_files(
        registry, f"collection:{name}", tag, folder, digest(name, tag, registry)
    ) as found:
        entries = found.entries()
        with atomic_dir(out) as staging:
            found.copy(entries, staging, keep_paths=True)
    return out


def digest(name: str, tag: str, registry: Registry) -> str:
    """The folder's `.dir` digest at `tag`: what `verify` reads back from the remote."""
    found = summary(name, tag, registry)["md5"]
    if not found:
        raise RemoteError(f"{layout.collection_dvc_path(name)} at {tag} records no md5")
    return str(found)


def _format(path: str) -> str:
    return Path(path).suffix.lower().lstrip(".") or "(none)"
