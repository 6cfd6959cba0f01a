"""The analyze-side half of the quality gates: run a pipeline's expectations on its processed
tables and keep, in metadata.json's `quality` section, every check's result, the drift
thresholds and the distribution summaries a later version will be compared with.

Checks run as pyarrow compute kernels on the tables analyze already holds: exact, one
vectorised pass per rule, no conversion. pandera was measured first and cost more than
the whole gate budget on a 1,000,000-row table (see README, quality gates).
Everything recorded is a pure function of the data and expectations.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core.errors import ExpectationsError
from data_registry.formats.parquet import schema_metadata
from data_registry.formats.profile import rounded
from data_registry.quality import drift
from data_registry.quality.expectations import (
    Bounds,
    CheckResult,
    ClassBalance,
    ColumnRule,
    Expectations,
    drift_to_dict,
    load,
    lookup,
    matching,
)

EXAMPLES = 3
# Quantiles come from an evenly strided sample: 20,000 values put each within about 0.004 of
# its level (PSI noise ~0.002) at ~1 ms a column, however large the table; same table, same numbers.
SAMPLE_LIMIT = 20_000
MAX_CATEGORIES = 1_000


def evaluate(
    pipeline_dir: Path, tables: Mapping[str, pa.Table], metrics: Mapping[str, Any]
) -> dict[str, Any]:
    """metadata.json's `quality` section for these tables (split -> table) and metrics."""
    return section(load(pipeline_dir), tables, metrics)


def section(spec: Expectations, tables: Mapping[str, pa.Table], metrics: Mapping[str, Any]) -> dict[str, Any]:
    checks = [
        *row_checks(spec.rows, tables),
        *(check for split, table in tables.items() for check in column_checks(spec.columns, split, table)),
        *(
            check
            for split, table in tables.items()
            for check in metadata_checks(spec.schema_metadata, split, table)
        ),
        *(class_checks(spec.classes, tables) if spec.classes else []),
        *metric_checks(spec.metrics, metrics),
    ]
    return {
        "checks": [check.to_dict() for check in checks],
        "drift": drift_to_dict(spec.drift),
        "profile": {split: profile(spec, table) for split, table in sorted(tables.items())},
    }


def row_checks(bounds: Mapping[str, Bounds], tables: Mapping[str, pa.Table]) -> list[CheckResult]:
    return [
        _bounded(f"rows {split}", tables[split].num_rows if split in tables else None, allowed)
        for split, allowed in bounds.items()
    ]


def column_checks(rules: Mapping[str, ColumnRule], split: str, table: pa.Table) -> list[CheckResult]:
    results: list[CheckResult] = []
    for pattern, rule in rules.items():
        names = matching([pattern], table.column_names)
        if not names:
            results.append(CheckResult(f"column {split}.{pattern}", "missing", "present", False))
        for name in names:
            results += _applied(f"{split}.{name}", table.column(name), rule)
    return results


def _applied(name: str, column: pa.ChunkedArray, rule: ColumnRule) -> list[CheckResult]:
    """A rule that cannot apply to the column's type (a range on text, allowed ints for a string
    column) is a mistake in expectations.yaml, said in one line."""
    try:
        return _column(name, column, rule)
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise ExpectationsError(
            f"a rule for column {name} does not fit its type {column.type}: {' '.join(str(error).split())}"
        ) from error


def _column(name: str, column: pa.ChunkedArray, rule: ColumnRule) -> list[CheckResult]:
    results = []
    if rule.type is not None:
        observed = str(column.type)
        results.append(CheckResult(f"type {name}", observed, rule.type, observed == rule.type))
    if not rule.nullable:
        results.append(_count(f"nulls {name}", column.null_count, "0"))
    if rule.unique:
        duplicates = _duplicates(pc.drop_null(column))
        results.append(_count(f"unique {name}", duplicates, "0 duplicates", unit="duplicates"))
    if rule.range is not None:
        results.append(_range(f"range {name}", _values(column), rule.range))
    if rule.allowed is not None:
        results.append(_allowed(f"values {name}", column, rule.allowed))
    if rule.length is not None:
        results.append(_range(f"length {name}", _lengths(column), rule.length))
    if rule.norm is not None:
        results.append(_range(f"norm {name}", _norms(column), rule.norm))
    return results


def metadata_checks(expected: Mapping[str, Any], split: str, table: pa.Table) -> list[CheckResult]:
    """Values the table's schema metadata must hold (image shape, dtype): cheap, no data read."""
    found = schema_metadata(table.schema)
    return [
        CheckResult(
            f"schema metadata {split}.{key}", _json(found.get(key)), _json(value), found.get(key) == value
        )
        for key, value in expected.items()
    ]


def class_checks(spec: ClassBalance, tables: Mapping[str, pa.Table]) -> list[CheckResult]:
    results = []
    for split, table in tables.items():
        if spec.column not in table.column_names:
            results.append(CheckResult(f"classes {split}.{spec.column}", "missing", "present", False))
            continue
        if table.num_rows < spec.min_rows:
            continue
        shares = class_shares(table, spec)
        for name, share in shares.items():
            allowed = spec.classes.get(name, spec.share)
            if allowed is None:
                continue
            results.append(_bounded(f"class share {split}.{name}", share, allowed))
    return results


def class_shares(table: pa.Table, spec: ClassBalance) -> dict[str, float]:
    """Share of rows per class name; declared classes with no rows count 0, unnamed ids by value."""
    found = schema_metadata(table.schema)
    names = list(spec.names or found.get("class_names") or found.get("classes") or [])
    counts = {item["values"].as_py(): item["counts"].as_py() for item in pc.value_counts(table[spec.column])}
    rows = max(table.num_rows, 1)
    shares = {name: counts.pop(index, 0) / rows for index, name in enumerate(names)}
    shares |= {str(value): count / rows for value, count in sorted(counts.items(), key=lambda kv: str(kv[0]))}
    return shares


def metric_checks(bounds: Mapping[str, Bounds], metrics: Mapping[str, Any]) -> list[CheckResult]:
    return [_bounded(f"metric {path}", lookup(metrics, path), allowed) for path, allowed in bounds.items()]


def profile(spec: Expectations, table: pa.Table) -> dict[str, Any]:
    """What the drift gate of the next version compares with."""
    numeric = [
        name
        for name in matching(spec.drift.numeric, table.column_names)
        if pa.types.is_integer(table.schema.field(name).type)
        or pa.types.is_floating(table.schema.field(name).type)
    ]
    categorical = matching(spec.drift.categorical, table.column_names)
    return {
        **{name: numeric_profile(table.column(name)) for name in numeric},
        **{name: categorical_profile(table.column(name)) for name in categorical},
    }


def numeric_profile(column: pa.ChunkedArray) -> dict[str, Any]:
    """drift.QUANTILES of the column's values (nulls left out), from every k-th value."""
    chunks = _numpy_chunks(pc.drop_null(column) if column.null_count else column)
    step = -(-sum(len(chunk) for chunk in chunks) // SAMPLE_LIMIT)
    sample, offset = [], 0
    for chunk in chunks:  # strided views of each chunk, keeping one stride across chunks
        sample.append(chunk[(-offset) % step :: step])
        offset += len(chunk)
    values = np.sort(np.concatenate(sample).astype(np.float64)) if chunks else np.empty(0)
    if values.size == 0:
        return {"quantiles": []}
    # Linear interpolation between order statistics, as np.quantile's default, on sorted values.
    position = drift.QUANTILES * (values.size - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, values.size - 1)
    quantiles = values[low] + (values[high] - values[low]) * (position - low)
    return {"quantiles": [rounded(float(value)) for value in quantiles]}


def _numpy_chunks(column: pa.ChunkedArray) -> list[np.ndarray]:
    """Zero-copy numpy views of a null-free numeric column's chunks: no concatenated copy."""
    return [chunk.to_numpy() for chunk in column.chunks if len(chunk)]


def categorical_profile(column: pa.ChunkedArray) -> dict[str, Any]:
    """Value counts keyed by the value as text; a column with too many values is not profiled."""
    counts = pc.value_counts(pc.drop_null(column))
    if len(counts) > MAX_CATEGORIES:
        return {"counts": None}
    pairs = sorted((str(item["values"].as_py()), item["counts"].as_py()) for item in counts)
    return {"counts": dict(pairs)}


def _duplicates(values: pa.ChunkedArray) -> int:
    """Rows equal to an earlier row. Integer ids in a compact range are counted with a bincount
    (a few ms on a million rows; hashing in pc.count_distinct took ~300 ms), others by sorting."""
    if len(values) == 0:
        return 0
    if pa.types.is_integer(values.type):
        array = values.to_numpy()
        low, high = int(array.min()), int(array.max())
        if high - low <= 4 * len(array):
            return len(array) - int(np.count_nonzero(np.bincount(array - low)))
    ordered = pc.take(values, pc.sort_indices(values))
    return int(pc.sum(pc.equal(ordered[1:], ordered[:-1])).as_py() or 0)


def _values(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Range checks of a list column apply to its items (e.g. pixel values, vector components)."""
    kind = column.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return pc.list_flatten(column)
    return column


def _lengths(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.utf8_length(column)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pc.binary_length(column)
    return pc.list_value_length(column)


def _norms(column: pa.ChunkedArray) -> pa.Array:
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False).astype(np.float64)
    parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
    return pa.array(np.sqrt(np.bincount(parents, weights=flat * flat, minlength=len(column))))


def _range(check: str, values: pa.ChunkedArray | pa.Array, allowed: Bounds) -> CheckResult:
    low, high = _extremes(values)
    if low is None:
        return CheckResult(check, "no values", allowed.describe(), True)
    passed = allowed.holds(float(low)) and allowed.holds(float(high))
    return CheckResult(check, f"{_number(low)}..{_number(high)}", allowed.describe(), passed)


def _extremes(values: pa.ChunkedArray | pa.Array) -> tuple[Any, Any]:
    """numpy's min/max where there are no nulls: a third of pc.min_max's time on a million doubles."""
    kind = values.type
    if values.null_count == 0 and len(values) and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        chunks = _numpy_chunks(values) if isinstance(values, pa.ChunkedArray) else [values.to_numpy()]
        return min(chunk.min() for chunk in chunks).item(), max(chunk.max() for chunk in chunks).item()
    extremes = pc.min_max(values).as_py()
    return extremes["min"], extremes["max"]


def _allowed(check: str, column: pa.ChunkedArray, allowed: tuple[Any, ...]) -> CheckResult:
    outside = pc.filter(column, pc.invert(pc.is_in(column, value_set=pa.array(allowed, type=column.type))))
    outside = pc.drop_null(outside)
    examples = sorted(pc.unique(outside).to_pylist(), key=str)[:EXAMPLES]
    observed = f"{len(outside)} rows outside" + (
        f", e.g. {', '.join(map(str, examples))}" if examples else ""
    )
    return CheckResult(check, observed, "one of " + ", ".join(map(str, allowed)), len(outside) == 0)


def _count(check: str, count: int, allowed: str, unit: str = "rows") -> CheckResult:
    return CheckResult(check, f"{count} {unit}" if unit != "rows" else str(count), allowed, count == 0)


def _bounded(check: str, value: float | None, allowed: Bounds) -> CheckResult:
    if value is None:
        return CheckResult(check, "missing", allowed.describe(), False)
    return CheckResult(check, _number(value), allowed.describe(), allowed.holds(float(value)))


def _json(value: Any) -> str:
    return "missing" if value is None else json.dumps(value, sort_keys=True)


def _number(value: float) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
