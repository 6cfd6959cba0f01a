"""Read the outs hashes a pipeline recorded in dvc.lock and compare two versions of them.

A dataset version *is* these hashes. Outs declared as `metrics`/`plots` in
dvc.yaml (metadata.json, plots data) describe the data; every other out is the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml


def out_hashes(lock_text: str | None) -> dict[str, str]:
    """{out path: md5} for every out of every stage; empty for a missing lock."""
    if not lock_text:
        return {}
    lock = yaml.safe_load(lock_text) or {}
    hashes: dict[str, str] = {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            # `hash:` in a DVC 3 lock names the algorithm, not a digest: never read it as one.
            hashes[out["path"]] = out.get("md5") or out.get("etag") or out.get("checksum") or ""
    return hashes


def metadata_outs(dvc_yaml_text: str) -> set[str]:
    """Paths declared under `metrics:` or `plots:` of any stage: they describe the data."""
    pipeline: dict[str, Any] = yaml.safe_load(dvc_yaml_text) or {}
    paths: set[str] = set()
    for stage in (pipeline.get("stages") or {}).values():
        for section in ("metrics", "plots"):
            for entry in stage.get(section) or []:
                paths.update(entry if isinstance(entry, Mapping) else [entry])
    return paths


@dataclass(frozen=True)
class OutsChange:
    """Which outs differ between the latest tag and the workspace, split by kind."""

    content: list[str] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.content or self.metadata)


def compare(previous: Mapping[str, str], current: Mapping[str, str], metadata_paths: set[str]) -> OutsChange:
    """Outs added, removed or rehashed; an out that appears or disappears counts as changed."""
    changed = sorted(
        path for path in previous.keys() | current.keys() if previous.get(path) != current.get(path)
    )
    return OutsChange(
        content=[path for path in changed if path not in metadata_paths],
        metadata=[path for path in changed if path in metadata_paths],
    )


def declared_params(dvc_yaml_text: str) -> set[str]:
    """Dotted params.yaml keys any stage lists under `params:` (plain names or `params.yaml: [...]`)."""
    pipeline: dict[str, Any] = yaml.safe_load(dvc_yaml_text) or {}
    names: set[str] = set()
    for stage in (pipeline.get("stages") or {}).values():
        for entry in stage.get("params") or []:
            if isinstance(entry, Mapping):
                names.update(str(key) for keys in entry.values() for key in keys or [])
            else:
                names.add(str(entry))
    return names
