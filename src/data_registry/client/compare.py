"""What changed between two versions: params, schema, row counts, metrics and outs.

Works from metadata.json and dvc.lock at the two tags, so it needs no clone of a
local registry and no checkout of either tag. For a checkout, `dvc metrics diff A B`
and `dvc params diff A B` show the metric and params parts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data_registry.client.api import Repo, metadata, outs
from data_registry.client.checks import compared
from data_registry.client.location import locate


def diff(dataset: str, old: str, new: str, repo: Repo = None, unchanged: bool = False) -> dict[str, Any]:
    """{section: {key: {"old": a, "new": b[, "change": b - a]}}} for every key that differs;
    with `unchanged`, for every key of either version (old == new where nothing changed)."""
    registry = locate(repo)
    before, after = metadata(dataset, old, registry), metadata(dataset, new, registry)

    def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        return changed(a, b, unchanged)

    return {
        "dataset": dataset,
        "old": before["tag"],
        "new": after["tag"],
        "params": compare(flatten(before["params"]), flatten(after["params"])),
        "schema": compare(_columns(before["schema"]), _columns(after["schema"])),
        "rows": compare(before["splits"], after["splits"]),
        "metrics": compare(flatten(before["metrics"]), flatten(after["metrics"])),
        "outs": compare(outs(dataset, old, registry), outs(dataset, new, registry)),
        # the newer version's expectations, and its drift from the older one, by its thresholds
        "checks": compared(before, after),
    }


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys, the way `dvc metrics diff` names metrics."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def changed(
    old: Mapping[str, Any], new: Mapping[str, Any], unchanged: bool = False
) -> dict[str, dict[str, Any]]:
    """The keys whose values differ (all keys with `unchanged`), a numeric change for numbers."""
    result: dict[str, dict[str, Any]] = {}
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b and not unchanged:
            continue
        entry: dict[str, Any] = {"old": a, "new": b}
        if isinstance(a, int | float) and isinstance(b, int | float) and _number(a) and _number(b):
            entry["change"] = round(b - a, 6)
        result[key] = entry
    return result


def _columns(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {
        f"{split}.{column}": kind
        for split, section in schema.items()
        for column, kind in (section.get("columns") or {}).items()
    }


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
