"""Plain-text views of client results for the CLI; `--json` prints the data itself instead."""

from __future__ import annotations

import json
from typing import Any


def catalog_table(entries: list[dict[str, Any]]) -> str:
    lines = [f"{'dataset':<24} {'latest':<10} {'versions':>8} {'rows':>12} {'size':>10}"]
    for entry in entries:
        lines.append(
            f"{entry['dataset']:<24} {entry['latest'] or '-':<10} {entry['versions']:>8} "
            f"{_or_dash(entry['rows']):>12} {human_size(entry['size_bytes']):>10}"
        )
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
