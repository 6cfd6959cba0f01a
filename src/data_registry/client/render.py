"""Plain-text views of client results for the CLI; `--json` prints the data itself instead."""

from __future__ import annotations

import json
from typing import Any


def catalog_table(entries: list[dict[str, Any]]) -> str:
    """Datasets and collections in one table; an entry that could not be read shows its error."""
    header = (
        f"{'name':<24} {'kind':<10} {'latest':<10} {'versions':>8} {'rows':>12} {'files':>7} {'size':>10}"
    )
    lines = [header]
    for entry in entries:
        lines.append(
            f"{entry['name']:<24} {entry['kind']:<10} {entry['latest'] or '-':<10} {entry['versions']:>8} "
            f"{_or_dash(entry['rows']):>12} {_or_dash(entry['files']):>7} "
            f"{human_size(entry['size_bytes']):>10}"
        )
        if entry.get("error"):
            lines.append(f"  ! {entry['error']}")
    return "\n".join(lines)


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def shown(card: str, document: dict[str, Any], checks: list[dict[str, Any]] | None = None) -> str:
    facts = [
        f"version: {document['version']}  tag: {document['tag']}  registry: {document['registry']}",
        "rows: " + ", ".join(f"{split} {rows}" for split, rows in document["splits"].items()),
        *(
            f"schema {split}: " + ", ".join(f"{name} {kind}" for name, kind in section["columns"].items())
            for split, section in document["schema"].items()
        ),
        "params: " + json.dumps(document["params"], sort_keys=True),
        "metrics: " + json.dumps(document["metrics"], sort_keys=True),
        *check_lines(checks or []),
    ]
    return card.rstrip() + "\n\n---\n" + "\n".join(facts)


def collection_shown(document: dict[str, Any]) -> str:
    lines = [
        f"collection {document['collection']}  version: {document['version']}  tag: {document['tag']}",
        f"files: {_or_dash(document['files'])}  size: {human_size(document['size_bytes'])}  "
        f"registry: {document['registry']}",
        "formats: " + (", ".join(f"{kind} {count}" for kind, count in document["formats"].items()) or "-"),
    ]
    changes = document["changes"]
    if changes is None:
        lines.append("first version")
    else:
        lines.append(f"since {document['previous_tag']}: " + _change_counts(changes))
    return "\n".join(lines)


def collection_differences(report: dict[str, Any]) -> str:
    lines = [f"collection {report['collection']}: {report['old']} → {report['new']}"]
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for kind, mark in marks.items():
        lines += [f"{mark} {path}" for path in report[kind]]
    if len(lines) == 1:
        lines.append("no differences")
    else:
        lines.append(_change_counts(report))
    return "\n".join(lines)


def _change_counts(changes: dict[str, Any]) -> str:
    return ", ".join(f"{len(changes[kind])} {kind}" for kind in ("added", "removed", "changed"))


def check_lines(checks: list[dict[str, Any]]) -> list[str]:
    """A count, then one line per check: `passed rows train: observed 4000, allowed >= 400`."""
    if not checks:
        return []
    failed = sum(not check["passed"] for check in checks)
    return [
        f"quality checks: {len(checks) - failed} passed, {failed} failed",
        *(
            f"  {'passed' if check['passed'] else 'FAILED'} {check['check']}: "
            f"observed {check['observed']}, allowed {check['allowed']}"
            for check in checks
        ),
    ]


def differences(report: dict[str, Any]) -> str:
    lines = [f"{report['dataset']}: {report['old']} → {report['new']}"]
    for section in ("params", "schema", "rows", "metrics", "outs"):
        for key, entry in report[section].items():
            change = f" ({entry['change']:+g})" if "change" in entry else ""
            lines.append(f"{section:<8} {key}: {entry['old']} → {entry['new']}{change}")
    if len(lines) == 1:
        lines.append("no differences")
    return "\n".join([*lines, *check_lines(report.get("checks") or [])])


def _or_dash(value: Any) -> str:
    return "-" if value is None else f"{value:,}"
