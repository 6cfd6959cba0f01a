"""Where the catalog reads from: a git repository holding the registry's tags.

A local checkout is read in place. A git URL is cloned bare into a temporary folder,
which is what `dvc.api.read` does for `list` too, but here one clone and one
`git cat-file --batch` serve every file of every tag: 2,000 tags take seconds, not a
subprocess (or a DVC call) per file.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from data_registry.client.location import Registry
from data_registry.core.git import Git, clone_bare


@contextlib.contextmanager
def opened(registry: Registry) -> Iterator[Git]:
    """A `Git` over the registry's tags; a temporary bare clone for a URL, removed afterwards."""
    if registry.local_root is not None:
        yield Git(registry.local_root)
        return
    with tempfile.TemporaryDirectory(prefix="data-registry-catalog-") as folder:
        yield clone_bare(registry.url, Path(folder) / "registry.git")
