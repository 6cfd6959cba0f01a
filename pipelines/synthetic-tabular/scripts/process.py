"""process: the raw table split into train and val by a seeded shuffle, one parquet file each."""

from __future__ import annotations

from pathlib import Path

from data_registry.core import datasets, params, stage
from data_registry.formats import parquet, splits

NAME = "synthetic-tabular"


def main() -> None:
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    values = params.load(dataset.pipeline_dir)
    raw = parquet.read(dataset.raw_dir / "synthetic.parquet")
    for split, table in splits.train_val(raw, values["val_fraction"], values["seed"]).items():
        parquet.write(table, dataset.split_file(split))


if __name__ == "__main__":
    stage.run(main)
