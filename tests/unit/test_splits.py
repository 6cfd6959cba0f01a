"""data_registry.formats.splits: seeded train/val splits that are reproducible, disjoint and complete."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from data_registry.core.errors import ParamsError
from data_registry.formats import splits


def test_same_seed_gives_the_same_split() -> None:
    first = splits.train_val_indices(1000, 0.2, seed=3)
    second = splits.train_val_indices(1000, 0.2, seed=3)

    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_another_seed_gives_another_split() -> None:
    _, val_a = splits.train_val_indices(1000, 0.2, seed=3)
    _, val_b = splits.train_val_indices(1000, 0.2, seed=4)

    assert not np.array_equal(val_a, val_b)


def test_splits_are_disjoint_cover_every_row_and_keep_row_order() -> None:
    train, val = splits.train_val_indices(101, 0.3, seed=0)

    assert len(val) == round(101 * 0.3)
    assert sorted([*train, *val]) == list(range(101))
    assert list(train) == sorted(train)
    assert list(val) == sorted(val)


@pytest.mark.parametrize(("n_rows", "fraction"), [(100, 0.0), (100, 1.0), (100, -0.1), (100, 1.5), (3, 0.01)])
def test_fraction_that_leaves_a_split_empty_is_a_params_error(n_rows: int, fraction: float) -> None:
    with pytest.raises(ParamsError, match="val_fraction"):
        splits.train_val_indices(n_rows, fraction, seed=0)


def test_train_val_splits_a_table_and_keeps_its_schema() -> None:
    table = pa.table({"id": list(range(10))}).replace_schema_metadata({b"k": b"v"})

    parts = splits.train_val(table, 0.2, seed=1)

    assert list(parts) == ["train", "val"]
    assert parts["train"].num_rows == 8
    assert parts["val"].num_rows == 2
    assert parts["val"].schema == table.schema
    assert parts["val"].schema.metadata == {b"k": b"v"}
    ids = parts["train"].column("id").to_pylist() + parts["val"].column("id").to_pylist()
    assert sorted(ids) == list(range(10))


def test_stratified_split_keeps_each_label_share_and_is_seeded() -> None:
    labels = np.array([3] * 5 + [5] * 50 + [6] * 40 + [9] * 2)
    train, val = splits.stratified_train_val_indices(labels, 0.2, seed=4)

    assert sorted([*train, *val]) == list(range(len(labels)))
    assert {int(label): int((labels[val] == label).sum()) for label in (3, 5, 6, 9)} == {
        3: 1,
        5: 10,
        6: 8,
        9: 0,
    }
    again = splits.stratified_train_val_indices(labels, 0.2, seed=4)
    assert np.array_equal(again[1], val)
    assert not np.array_equal(splits.stratified_train_val_indices(labels, 0.2, seed=5)[1], val)


def test_stratified_split_refuses_a_fraction_that_empties_val() -> None:
    with pytest.raises(ParamsError):
        splits.stratified_train_val_indices(np.array([0, 1, 2, 3]), 0.1, seed=0)
