"""What a run did, for people (a rich table) and for CI/Argo (`--json`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rich.console import Console

Status = Literal["created", "unchanged"]
MAX_METRICS = 8


@dataclass
class Summary:
    dataset: str
    status: Status
    version: str
    tag: str
    previous_tag: str | None = None
    bump: str | None = None
    reason: str = ""
    commit: str | None = None
    remote: str | None = None
    environment: str | None = None
    git_pushed: bool = False
    published: bool = False
    # {dotted key: [old, new]} since the previous version: what -S or a hand edit changed and
    # this version holds. An override rolled back because it changed no out is not listed.
    params_changes: dict[str, list[Any]] = field(default_factory=dict)
    outs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    gates: dict[str, Any] | None = None  # gates.GateReport.to_dict(): every check, and any --accept reason
    accepted: str | None = None
    duration_s: float = 0.0

    @property
    def changed(self) -> bool:
        return self.status == "created"

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "changed": self.changed}, sort_keys=True)


def key_metrics(metrics: Mapping[str, Any], prefix: str = "", depth: int = 2) -> dict[str, Any]:
    """The first few scalar metrics as dotted keys (`train.pixel_mean`), for a one-screen summary."""
    found: dict[str, Any] = {}
    for key in sorted(metrics):
        value = metrics[key]
        name = f"{prefix}{key}"
        if isinstance(value, bool | int | float | str):
            found[name] = round(value, 6) if isinstance(value, float) else value
        elif isinstance(value, Mapping) and depth > 1:
            found.update(key_metrics(value, f"{name}.", depth - 1))
        if len(found) >= MAX_METRICS:
            break
    return dict(list(found.items())[:MAX_METRICS])


def render(summary: Summary, console: Console) -> None:
    """Aligned `name  value` lines: they survive narrow terminals and CI logs, unlike a table."""
    verb = "created" if summary.changed else "unchanged at"
    console.print(
        f"[bold]{summary.dataset}[/]: {verb} [bold green]{summary.tag}[/] ({summary.reason})", soft_wrap=True
    )
    rows: list[tuple[str, Any]] = [
        ("previous", summary.previous_tag or "-"),
        ("bump", summary.bump or "-"),
        ("commit", (summary.commit or "-")[:12]),
        ("remote", summary.remote or "-"),
        ("environment", summary.environment or "embedded defaults"),
        ("git pushed", "yes" if summary.git_pushed else "no"),
        ("published", "yes" if summary.published else "no"),
        *((f"param {key}", f"{old} -> {new}") for key, (old, new) in summary.params_changes.items()),
        *((f"out {path}", digest) for path, digest in summary.outs.items()),
        *((f"metric {name}", value) for name, value in summary.metrics.items()),
        *_gate_rows(summary),
        ("took", f"{summary.duration_s:.2f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        console.print(f"  {name:<{width}}  {value}", highlight=False, soft_wrap=True)


def _gate_rows(summary: Summary) -> list[tuple[str, Any]]:
    """The gate count, and each failed check when a person accepted them."""
    if not summary.gates:
        return []
    checks = summary.gates["checks"]
    failed = [check for check in checks if not check["passed"]]
    rows: list[tuple[str, Any]] = [
        ("quality gates", f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    ]
    if summary.accepted:
        rows.append(("accepted", summary.accepted))
        rows += [
            (f"failed {check['check']}", f"{check['observed']} (allowed {check['allowed']})")
            for check in failed
        ]
    return rows
