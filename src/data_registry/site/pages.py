"""What each page shows, computed from the catalog model; templates only lay it out."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from data_registry.client.compare import _columns as schema_columns
from data_registry.client.compare import flatten
from data_registry.client.render import human_size
from data_registry.core import layout
from data_registry.site import charts
from data_registry.site.model import DatasetHistory, Release

MAX_KEY_METRICS = 8
LINEAGE_SECTIONS = ("source", "upstream", "model", "prompt")


def index_row(history: DatasetHistory) -> dict[str, Any]:
    latest = history.latest
    return {
        "name": history.name,
        "description": history.description,
        "latest": str(latest.version),
        "versions": len(history.releases),
        "rows": _count(latest.rows),
        "size": human_size(latest.size_bytes),
        "labels": history.labels,
        "date": latest.date[:10],
    }


def timeline(history: DatasetHistory) -> list[dict[str, Any]]:
    """Newest first: version, date, why it was made, which params changed (old → new)."""
    rows = []
    previous: Release | None = None
    for release in history.releases:
        rows.append(
            {
                "version": str(release.version),
                "tag": release.tag,
                "date": release.date.replace("T", " ")[:16],
                "reason": release.reason,
                "rows": _count(release.rows),
                "problem": release.problem,
                "params": [
                    f"{key}: {_short(entry['old'])} → {_short(entry['new'])}"
                    for key, entry in release.params_changed.items()
                ],
                "previous": str(previous.version) if previous else None,
            }
        )
        previous = release
    return rows[::-1]


def metric_charts(history: DatasetHistory) -> list[Markup]:
    """Row counts per split and the top-level numeric metrics (e.g. `train.positive_fraction`)
    across the versions that have metadata, one small chart each."""
    documented = history.documented
    if not documented:
        return []
    labels = [str(release.version) for release in documented]
    series: dict[str, list[float | None]] = {}
    for split in documented[-1].document["splits"] if documented[-1].document else {}:
        series[f"rows · {split}"] = [_value(r.document["splits"], split) for r in documented if r.document]
    numeric = [key for key, value in documented[-1].flat_metrics.items() if _is_number(value)]
    keys = [key for key in numeric if key.count(".") <= 1] or [k for k in numeric if k.count(".") <= 2]
    for key in keys[:MAX_KEY_METRICS]:
        series[key] = [_value(release.flat_metrics, key) for release in documented]
    return [charts.line_chart(title, labels, values) for title, values in series.items()]


def distribution_charts(history: DatasetHistory) -> list[Markup]:
    return [charts.bar_chart(f"{plot.title} (latest)", plot.bars) for plot in history.plots]


def schema_table(release: Release) -> dict[str, Any]:
    """Columns by splits, with the arrow type in each cell."""
    document = release.document or {"schema": {}}
    splits = sorted(document["schema"])
    columns = sorted(
        {column for section in document["schema"].values() for column in section.get("columns") or {}},
        key=_natural,
    )
    cells = {
        column: [(document["schema"][split].get("columns") or {}).get(column, "—") for split in splits]
        for column in columns
    }
    return {"splits": splits, "rows": cells}


def lineage(release: Release) -> dict[str, list[tuple[str, str]]]:
    """Source pins and checksums, upstream tag, model, prompt; and the version's out hashes."""
    document = release.document or {}
    sections = {
        name: [(key, _short(value, 200)) for key, value in flatten(document[name]).items()]
        for name in LINEAGE_SECTIONS
        if document.get(name)
    }
    sections["outs (dvc.lock)"] = sorted(release.outs.items())
    return sections


def snippets(release: Release, registry_url: str) -> list[tuple[str, str]]:
    """Copy-ready ways to consume exactly this tag."""
    name, version, tag = release.name, str(release.version), release.tag
    processed = layout.processed_path(name)
    return [
        ("dvc get", f"dvc get {registry_url} {processed} --rev {tag} -o {name}-{version}"),
        ("dvc import", f"dvc import {registry_url} {processed} --rev {tag} -o {layout.data_path(name)}"),
        (
            "data-registry",
            f"data-registry get {name} --version {version} --out {name}-{version} --repo {registry_url}",
        ),
        (
            "Python client",
            "from data_registry.client import read_pandas\n\n"
            f'train = read_pandas("{name}", "{version}", "train", repo="{registry_url}")',
        ),
    ]


def diff_data(history: DatasetHistory) -> list[dict[str, Any]]:
    """Per version, the flat sections the diff view compares in the browser."""
    return [
        {
            "version": str(release.version),
            "tag": release.tag,
            "sections": {
                "params": release.flat_params,
                "schema": schema_columns(release.document["schema"]),
                "rows": release.document["splits"],
                "metrics": release.flat_metrics,
                "files": release.outs,
            },
        }
        for release in history.documented
        if release.document
    ]


def _value(mapping: dict[str, Any], key: str) -> float | None:
    value = mapping.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _natural(name: str) -> list[Any]:
    """`f2` before `f10`, as people number columns."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
