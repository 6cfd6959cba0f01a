"""A pinned version of another dataset as an input: fetched from this registry at its tag
(through DVC, so from the cache or the remote), with the tag and content hash recorded
for the `upstream` section of metadata.json.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from data_registry.core import dvc as dvc_ops
from data_registry.core import layout, lockfile, versions
from data_registry.core.atomic import atomic_dir
from data_registry.core.errors import ParamsError, RegistryError
from data_registry.core.git import Git
from data_registry.core.settings import Settings

RECORD = "upstream.json"


def processed_out(dataset: str) -> str:
    """How dvc.lock names a dataset's processed out (relative to its pipeline folder)."""
    return layout.processed_from_pipeline(dataset)


def fetch(settings: Settings, dataset: str, tag: str, dest: Path) -> dict[str, Any]:
    """Copy `data/<dataset>/processed` at `tag` into `dest` (replaced whole) with RECORD beside it."""
    if versions.parse_tag(dataset, tag) is None:
        raise ParamsError(
            f"{tag!r} is not a version tag of {dataset}",
            f"pin a tag like {layout.tag_name(dataset, versions.FIRST)}",
        )
    lock_text = Git(settings.root).show(tag, layout.lock_path(dataset))
    digest = lockfile.out_hashes(lock_text).get(processed_out(dataset))
    if digest is None:
        raise RegistryError(
            f"tag {tag} does not exist here or has no processed out",
            "fetch tags (git fetch --tags) or pin an existing version",
        )
    with atomic_dir(dest) as staging:
        dvc_ops.get(settings, str(settings.root), layout.processed_path(dataset), tag, staging / "processed")
        for item in (staging / "processed").iterdir():
            shutil.move(str(item), staging / item.name)
        (staging / "processed").rmdir()
        record = {"dataset": dataset, "tag": tag, "processed_md5": digest}
        (staging / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def read_record(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / RECORD).read_text()))
