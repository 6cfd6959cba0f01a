"""What a dataset built from image collections needs: parse a pinned collection tag, fetch it.

Stage code (clean-images) uses this; versioning a collection (`add_collection.add`, the release
path) stays out of reach of stages, so a change to the release machinery reruns no stage.
"""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, layout, settings, versions
from data_registry.core import dvc as dvc_ops
from data_registry.core.errors import UsageError


def parse_tag(tag: str) -> tuple[str, versions.Version]:
    """`collection-cats-v1.2.0` -> ("cats", 1.2.0); anything else is a usage error."""
    split = versions.split_tag(tag)
    name = split[0].removeprefix(layout.COLLECTION_TAG_PREFIX) if split else ""
    if not split or not split[0].startswith(layout.COLLECTION_TAG_PREFIX) or not _valid_name(name):
        raise UsageError(
            f"{tag!r} is not a collection tag", "collection tags look like collection-<name>-v1.0.0"
        )
    return name, split[1]


def _valid_name(name: str) -> bool:
    return bool(datasets.NAME_PATTERN.fullmatch(name)) and len(name) <= datasets.MAX_NAME_LENGTH


def fetch(env: settings.Settings, registry: str, tag: str, dest: Path, remote: str | None = None) -> str:
    """Pull the collection version `tag` from `registry` into `dest`; the collection's name."""
    name, _ = parse_tag(tag)
    dvc_ops.get(
        env,
        registry,
        (Path(layout.COLLECTIONS) / name).as_posix(),
        tag,
        dest,
        remote=remote or env.dvc_remote,
    )
    return name
