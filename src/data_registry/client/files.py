"""Files of a registry at a tag: git-tracked text (dvc.lock, metadata.json) and DVC outs.

A local checkout answers with `git show` (milliseconds, no DVC import); a git URL
goes through `data_registry.core.dvc`, which clones once per process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from data_registry.client.location import Registry
from data_registry.core import dvc, layout
from data_registry.core.errors import RegistryError, RegistryUnreachable, RemoteError, UnknownSplit
from data_registry.core.git import Git

if TYPE_CHECKING:
    from data_registry.core.dvc import DVCFileSystem


def read_text(registry: Registry, tag: str, path: str) -> str:
    """A git-tracked file's text at `tag`."""
    root = registry.local_root
    if root is not None:
        text = Git(root).show(tag, path)
        if text is None:
            raise RegistryUnreachable(f"{path} does not exist at {tag} in {registry.public_url}")
        return text
    with dvc_errors(registry, tag):
        return dvc.read_text(registry.url, tag, path)


def filesystem(registry: Registry, tag: str) -> DVCFileSystem:
    with dvc_errors(registry, tag):
        return dvc.filesystem(registry.access, tag)


def list_splits(fs: DVCFileSystem, dataset: str) -> list[str]:
    return sorted(Path(entry).name for entry in fs.ls(layout.processed_path(dataset), detail=False))


def split_paths(fs: DVCFileSystem, dataset: str, split: str, tag: str) -> list[str]:
    """Repo-relative parquet files of one split at the tag, sorted; a clear error for a bad split."""
    folder = layout.split_path(dataset, split)
    if not fs.isdir(folder):
        known = ", ".join(list_splits(fs, dataset)) or "none"
        raise UnknownSplit(f"{dataset} at {tag} has no split {split!r} (splits: {known})")
    return sorted(path.lstrip("/") for path in fs.find(folder) if path.endswith(layout.PARQUET))


@contextlib.contextmanager
def dvc_errors(registry: Registry, tag: str) -> Iterator[None]:
    """DVC and fsspec fail with many types; the user gets one line naming registry, tag and cause."""
    try:
        yield
    except RegistryError:
        raise
    except Exception as error:
        raise RemoteError(f"cannot read {tag} from {registry.public_url}: {dvc.reason(error)}") from error
