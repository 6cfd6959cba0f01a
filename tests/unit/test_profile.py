"""data_registry.formats.profile: column statistics and plots data that are exact, JSON-safe and stable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from data_registry.formats import profile


def test_column_stats_match_numpy_population_statistics() -> None:
    values = np.random.default_rng(0).normal(3.0, 2.0, 1000)
    table = pa.table({"x": values, "ignored": np.zeros(1000)})

    stats = profile.column_stats(table, ["x"])

    assert list(stats) == ["x"]
    assert stats["x"]["mean"] == pytest.approx(values.mean(), rel=1e-9)
    assert stats["x"]["std"] == pytest.approx(values.std(), rel=1e-9)
    assert stats["x"]["min"] == pytest.approx(values.min(), rel=1e-9)
    assert stats["x"]["max"] == pytest.approx(values.max(), rel=1e-9)


def test_column_stats_skip_nulls_and_give_none_for_an_all_null_column() -> None:
    table = pa.table({"x": pa.array([1.0, None, 3.0]), "empty": pa.array([None, None, None], pa.float64())})

    stats = profile.column_stats(table, ["x", "empty"])

    assert stats["x"] == {"mean": 2.0, "std": 1.0, "min": 1.0, "max": 3.0}
    assert stats["empty"] == {"mean": None, "std": None, "min": None, "max": None}


def test_rounded_keeps_ten_significant_digits() -> None:
    assert profile.rounded(0.1 + 0.2) == 0.3
    assert profile.rounded(123456.789012345) == 123456.789


def test_value_counts_name_every_class_including_empty_ones() -> None:
    labels = pa.chunked_array([pa.array([0, 2, 2], pa.int8())])

    assert profile.value_counts(labels, ["cat", "dog", "bird"]) == {"cat": 1, "dog": 0, "bird": 2}


def test_value_counts_refuse_a_class_id_without_a_name() -> None:
    with pytest.raises(ValueError, match="class ids"):
        profile.value_counts(pa.chunked_array([pa.array([0, 5])]), ["cat", "dog"])


def test_histogram_rows_count_every_value_once() -> None:
    values = pa.chunked_array([pa.array([0.0, 1.0, 1.0, 2.0, 4.0, None])])

    rows = profile.histogram(values, bins=4, x="target")

    assert rows == [
        {"target": 0.5, "count": 1},
        {"target": 1.5, "count": 2},
        {"target": 2.5, "count": 1},
        {"target": 3.5, "count": 1},
    ]


def test_write_csv_writes_a_header_and_one_line_per_row(tmp_path: Path) -> None:
    path = tmp_path / "plots" / "dist.csv"

    profile.write_csv(path, ["target", "count"], [{"target": 0.5, "count": 1}, {"target": 1.5, "count": 2}])

    assert path.read_text() == "target,count\n0.5,1\n1.5,2\n"
