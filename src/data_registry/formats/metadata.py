"""metadata.json: one lineage-and-stats schema for every dataset.

It must be a pure function of the pipeline's inputs: no timestamps, commits or
version numbers (those belong to the tag), or every run would look like a change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from data_registry.core import atomic
from data_registry.core.errors import MetadataError

REQUIRED = {
    "dataset": str,
    "source": dict,
    "params": dict,
    "schema": dict,
    "splits": dict,
    "metrics": dict,
}
# quality: expectation results, drift thresholds and distribution summaries (data_registry.quality.checks).
OPTIONAL = {"upstream": dict, "model": dict, "prompt": dict, "quality": dict}
# Written beside metadata.json and declared as the DVC metric: DVC cannot parse the lists
# and text of the lineage file, so `dvc metrics diff` reads the numbers from here.
METRICS_FILE = "metrics.json"


def describe_splits(files: Mapping[str, Path | Sequence[Path]]) -> tuple[dict[str, Any], dict[str, int]]:
    """Schema and row count per split, read from parquet footers only (no data pages).

    A split is one file or a list of shards sharing one schema (the first shard's is reported).
    """
    import pyarrow.parquet as pq  # lazy: the wrapper reads metadata without needing pyarrow

    from data_registry.formats.parquet import column_types, schema_metadata

    schema: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for split, paths in sorted(files.items()):
        footers = [pq.read_metadata(path) for path in ([paths] if isinstance(paths, Path) else paths)]
        arrow_schema = footers[0].schema.to_arrow_schema()
        schema[split] = {"columns": column_types(arrow_schema), "metadata": schema_metadata(arrow_schema)}
        rows[split] = sum(footer.num_rows for footer in footers)
    return schema, rows


def build(
    dataset: str,
    *,
    source: Mapping[str, Any],
    params: Mapping[str, Any],
    files: Mapping[str, Path | Sequence[Path]],
    metrics: Mapping[str, Any],
    **extra: Mapping[str, Any],
) -> dict[str, Any]:
    unknown = set(extra) - set(OPTIONAL)
    if unknown:
        raise MetadataError(f"unknown metadata sections {sorted(unknown)}", f"allowed: {sorted(OPTIONAL)}")
    schema, splits = describe_splits(files)
    document = {
        "dataset": dataset,
        "source": dict(source),
        "params": dict(params),
        "schema": schema,
        "splits": splits,
        "metrics": dict(metrics),
        **{key: dict(value) for key, value in extra.items()},
    }
    validate(document)
    return document


def validate(document: Mapping[str, Any]) -> None:
    if not isinstance(document, Mapping):
        raise MetadataError("metadata.json must hold a JSON object")
    for key, kind in REQUIRED.items():
        if not isinstance(document.get(key), kind):
            raise MetadataError(f"metadata.json needs {key!r} as a {kind.__name__}")
    for key, kind in OPTIONAL.items():
        if key in document and not isinstance(document[key], kind):
            raise MetadataError(f"metadata.json section {key!r} must be a {kind.__name__}")
    extra = set(document) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        # Also keeps run facts (version, timestamp, commit) out: they belong to the tag.
        raise MetadataError(f"metadata.json has unknown keys {sorted(extra)}")
    if set(document["schema"]) != set(document["splits"]):
        raise MetadataError("metadata.json schema and splits name different splits")


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write(path: Path, document: Mapping[str, Any]) -> None:
    """metadata.json at `path`, and its numbers in metrics.json beside it."""
    validate(document)
    try:
        text = dumps(document)
    except ValueError as error:
        raise MetadataError(f"metadata for {path.name} holds NaN or infinity: {error}") from error
    atomic.write_text(path, text)
    atomic.write_text(path.with_name(METRICS_FILE), dumps(numbers(document)))


def numbers(document: Mapping[str, Any]) -> dict[str, Any]:
    """Row counts and the numeric metrics, nested as in metadata.json (`metrics.train.x` keeps its
    name in `dvc metrics diff`); lists, text, booleans and sections left empty are dropped."""
    return {"rows": dict(document["splits"]), "metrics": _numeric(document["metrics"])}


def _numeric(tree: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            if nested := _numeric(value):
                kept[key] = nested
        elif isinstance(value, int | float) and not isinstance(value, bool):
            kept[key] = value
    return kept


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise MetadataError(f"cannot read {path}: {error}") from error
    validate(document)
    return document
