"""Read the outs hashes a pipeline recorded in dvc.lock and compare two versions of them.

A dataset version *is* these hashes. Outs declared as `metrics`/`plots` in
dvc.yaml (metrics.json, plots data) and metadata.json describe the data; every other out is the data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from data_registry.core import layout

LINEAGE_FILE = "metadata.json"
# libyaml's safe loader where PyYAML has it: the catalog parses the dvc.lock of every tag.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def out_hashes(lock_text: str | None) -> dict[str, str]:
    """{out path: md5} for every out of every stage; empty for a missing lock."""
    if not lock_text:
        return {}
    lock = yaml.load(lock_text, Loader=_SAFE_LOADER) or {}
    hashes: dict[str, str] = {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            # `hash:` in a DVC 3 lock names the algorithm, not a digest: never read it as one.
            hashes[out["path"]] = out.get("md5") or out.get("etag") or out.get("checksum") or ""
    return hashes


def stages(document: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(name, body) per stage of a parsed dvc.yaml; a `foreach`/`matrix` stage's body is its
    `do:` block. Anything that is not a stage mapping is left to DVC, which refuses it."""
    found = document.get("stages") if isinstance(document, Mapping) else None
    for name, stage in found.items() if isinstance(found, Mapping) else []:
        if isinstance(stage, Mapping):
            body = stage.get("do", stage)
            yield name, body if isinstance(body, Mapping) else {}


def metadata_outs(dvc_yaml_text: str) -> set[str]:
    """Paths declared under `metrics:` or `plots:` of any stage, and the lineage file
    (metadata.json, a plain out since DVC cannot parse it as a metric): they describe the data."""
    paths: set[str] = set()
    for _, stage in stages(yaml.safe_load(dvc_yaml_text)):
        for section in ("metrics", "plots", "outs"):
            for entry in stage.get(section) or []:
                named = entry if isinstance(entry, Mapping) else [entry]
                paths.update(p for p in named if section != "outs" or posixpath.basename(p) == LINEAGE_FILE)
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
    """Dotted params.yaml keys any stage lists under `params:` (plain names or `params.yaml: [...]`;
    a `foreach` stage's under its `do:`). Keys of another params file are not params.yaml's."""
    names: set[str] = set()
    for _, stage in stages(yaml.safe_load(dvc_yaml_text)):
        for entry in stage.get("params") or []:
            if isinstance(entry, Mapping):
                sections = (
                    keys for file, keys in entry.items() if posixpath.normpath(str(file)) == layout.PARAMS
                )
                names.update(str(key) for keys in sections for key in keys or [])
            else:
                names.add(str(entry))
    return names
