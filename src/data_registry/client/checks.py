"""A version's quality checks as `show` and `diff` list them.

The expectation results come from the version's own metadata.json; drift is computed
again from the stored summaries of the version before it (or the one `diff` names), the
same way the release step computed it, so no tag message needs parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from data_registry.client.api import Repo, metadata, versions
from data_registry.client.location import locate


def checks(dataset: str, document: Mapping[str, Any], repo: Repo = None) -> list[dict[str, Any]]:
    """Every check of the version `document` describes (client.metadata), drift against its predecessor."""
    registry = locate(repo)
    found = versions(dataset, registry)
    index = found.index(document["version"]) if document["version"] in found else 0
    previous = metadata(dataset, found[index - 1], registry) if index > 0 else None
    return compared(previous, document)


def compared(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[dict[str, Any]]:
    from data_registry.quality.gates import all_checks

    return [check.to_dict() for check in all_checks(old, new)]
