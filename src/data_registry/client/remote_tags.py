"""A dataset's versions are its registry's git tags, read with `git ls-remote` (no clone)."""

from __future__ import annotations

import re

from data_registry.client.location import Registry
from data_registry.core import layout
from data_registry.core import versions as semver
from data_registry.core.errors import UnknownDataset, UnknownVersion
from data_registry.core.git import ls_remote_tags
from data_registry.core.versions import Version

_PREFIX = re.compile(r"v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?")
LATEST = "latest"


def list_tags(registry: Registry) -> list[str]:
    """Every tag name of the registry; one `git ls-remote` round trip, peeled entries left out."""
    return ls_remote_tags(registry.url)


def dataset_versions(dataset: str, tags: list[str]) -> list[Version]:
    return semver.sorted_versions(dataset, tags)


def pick(dataset: str, spec: str, available: list[Version], where: str) -> Version:
    """`latest`, a prefix (`1`, `1.2`: its newest version) or an exact `1.2.0`; else a clear error."""
    if not available:
        raise UnknownDataset(f"no versions of {dataset} in {where} (no tag {layout.tag_shape(dataset)})")
    wanted = spec.removeprefix(f"{dataset}-")
    match = None if wanted == LATEST else _PREFIX.fullmatch(wanted)
    if wanted == LATEST:
        candidates = available
    elif match:
        parts = tuple(int(group) for group in match.groups() if group is not None)
        candidates = [v for v in available if (v.major, v.minor, v.patch)[: len(parts)] == parts]
    else:
        raise UnknownVersion(f"{spec!r} is not a version of {dataset}: use latest, 1, 1.2 or 1.2.0")
    if not candidates:
        listed = ", ".join(str(v) for v in available) or "none"
        raise UnknownVersion(f"{dataset} has no version {spec!r} in {where} (versions: {listed})")
    return candidates[-1]


def exact(dataset: str, spec: str) -> Version | None:
    """The version `spec` names exactly (`1.2.0`, `v1.2.0`, `<ds>-v1.2.0`), else None."""
    return semver.parse_tag(
        dataset, layout.tag_name(dataset, spec.removeprefix(f"{dataset}-").removeprefix("v"))
    )
