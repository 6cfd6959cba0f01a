"""generate: a seeded synthetic table, a linear regression target with noise and its sign as a label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from data_registry.core import datasets, params, stage
from data_registry.formats import parquet

NAME = "synthetic-tabular"
CLASS_NAMES = ["negative", "positive"]


def make_table(
    n_samples: int,
    n_features: int,
    noise: float,
    seed: int,
    feature_shift: float = 0.0,
    flip_positive: float = 0.0,
) -> pa.Table:
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((n_samples, n_features))
    weights = rng.uniform(-2.0, 2.0, n_features)
    target = rng.normal(0.0, noise, n_samples)
    # One feature at a time rather than a BLAS matmul, whose summation order (and so
    # the last bits of the target) may differ between machines.
    for column, weight in zip(features.T, weights, strict=True):
        target += column * weight
    label = (target > 0).astype(np.int8)
    # Faults for the quality gates to catch, drawn from their own generator so the
    # defaults (0.0) leave every other value as it always was.
    if feature_shift:
        features[:, 0] += feature_shift
    if flip_positive:
        flip = np.random.default_rng([seed, 1]).random(n_samples) < flip_positive
        label[flip & (label == 1)] = 0
    columns = {"id": pa.array(np.arange(n_samples, dtype=np.int64))}
    columns |= {f"f{index}": pa.array(column) for index, column in enumerate(features.T)}
    columns |= {"target": pa.array(target), "label": pa.array(label)}
    return pa.table(columns)


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    values = params.load(dataset.pipeline_dir)
    table = make_table(
        stage.require(values, "n_samples", stage.is_count, "a positive integer"),
        stage.require(values, "n_features", stage.is_count, "a positive integer"),
        stage.require(values, "noise", lambda noise: noise >= 0, "a number >= 0"),
        stage.require(values, "seed", lambda seed: seed >= 0, "an integer >= 0"),
        values["feature_shift"],
        stage.require(values, "flip_positive", lambda share: 0 <= share <= 1, "a share between 0 and 1"),
    )
    parquet.write(table, dataset.raw_dir / "synthetic.parquet", {"class_names": CLASS_NAMES})


if __name__ == "__main__":
    stage.run(main)
