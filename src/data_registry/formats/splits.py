"""Seeded train/validation splits: the same rows, seed and fraction always pick the same rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from data_registry.core.errors import ParamsError

# Mixed into the seed so a split never replays the random stream a generator
# seeded with the same value used to make the rows.
SPLIT_STREAM = 1


def train_val_indices(n_rows: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the train and val splits, each ascending so both keep the source's row order."""
    n_val = round(n_rows * val_fraction)
    if not 0 < val_fraction < 1 or not 0 < n_val < n_rows:
        raise ParamsError(
            f"val_fraction={val_fraction!r} of {n_rows} rows leaves a split empty",
            "set val_fraction in params.yaml between 0 and 1, e.g. 0.2",
        )
    order = np.random.default_rng([seed, SPLIT_STREAM]).permutation(n_rows)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def train_val(table: pa.Table, val_fraction: float, seed: int) -> dict[str, pa.Table]:
    train, val = train_val_indices(table.num_rows, val_fraction, seed)
    return {"train": table.take(train), "val": table.take(val)}


def stratified_train_val_indices(
    labels: np.ndarray, val_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Like `train_val_indices`, but each label keeps its share in both splits.

    Every label's rows are shuffled with one seeded stream and the first
    round(n_label * val_fraction) go to val, so a rare class (a wine of quality 9)
    is never left out of val by chance nor all of it sent there.
    """
    train_val_indices(len(labels), val_fraction, seed)  # the same checks of the fraction
    rng = np.random.default_rng([seed, SPLIT_STREAM])
    val_parts = []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        val_parts.append(rows[: round(len(rows) * val_fraction)])
    val = np.sort(np.concatenate(val_parts))
    if not 0 < len(val) < len(labels):
        raise ParamsError(
            f"val_fraction={val_fraction!r} leaves a split empty once stratified by label",
            "raise val_fraction or the number of rows",
        )
    mask = np.ones(len(labels), dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), val


def stratified_train_val(table: pa.Table, column: str, val_fraction: float, seed: int) -> dict[str, pa.Table]:
    train, val = stratified_train_val_indices(table.column(column).to_numpy(), val_fraction, seed)
    return {"train": table.take(train), "val": table.take(val)}
