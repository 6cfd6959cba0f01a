"""Per-column statistics of a table, for metadata.json metrics and `dvc plots` data."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data_registry.core import atomic

# Float sums may differ in their last bits between CPUs; rounding keeps metadata.json
# byte-identical wherever the pipeline runs.
SIGNIFICANT_DIGITS = 10


def rounded(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _rounded_or_none(value: float | None) -> float | None:
    """An all-null or empty column has no mean; JSON gets null rather than NaN."""
    return None if value is None else rounded(value)


def column_stats(table: pa.Table, columns: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """mean, std (population), min and max of each numeric column; nulls are skipped."""
    return {name: _stats(table.column(name)) for name in columns}


def _stats(column: pa.ChunkedArray) -> dict[str, float | None]:
    extremes = pc.min_max(column).as_py()
    return {
        "mean": _rounded_or_none(pc.mean(column).as_py()),
        "std": _rounded_or_none(pc.stddev(column).as_py()),
        "min": _rounded_or_none(extremes["min"]),
        "max": _rounded_or_none(extremes["max"]),
    }


def value_counts(column: pa.ChunkedArray, names: Sequence[str]) -> dict[str, int]:
    """Rows per integer class, keyed by class name; classes with no rows count 0."""
    counts = {item["values"].as_py(): item["counts"].as_py() for item in pc.value_counts(column)}
    unknown = set(counts) - set(range(len(names)))
    if unknown:
        raise ValueError(f"class ids {sorted(unknown, key=str)} have no name in {list(names)}")
    return {name: counts.get(index, 0) for index, name in enumerate(names)}


def distinct_counts(column: pa.ChunkedArray) -> dict[str, int]:
    """Rows per distinct value (keys as text, in value order): for labels that are not class ids,
    such as a 3-9 quality score."""
    counts = sorted((item["values"].as_py(), item["counts"].as_py()) for item in pc.value_counts(column))
    return {str(value): count for value, count in counts}


def duplicate_rows(table: pa.Table, columns: Sequence[str] | None = None) -> int:
    """Rows equal (on `columns`, default all) to an earlier row: what a dedup would drop."""
    keys = list(columns or table.column_names)
    return table.num_rows - table.group_by(keys).aggregate([]).num_rows


def histogram(values: pa.ChunkedArray, bins: int, x: str) -> list[dict[str, float | int]]:
    """Equal-width bins over the values' range, as rows of bin centre (`x`) and `count`."""
    counts, edges = np.histogram(pc.drop_null(values).to_numpy(), bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    return [
        {x: rounded(float(centre)), "count": int(count)}
        for centre, count in zip(centres, counts, strict=True)
    ]


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> None:
    """Plots data for `dvc plots`: a header line, then one line per row, written atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, buffer.getvalue())
