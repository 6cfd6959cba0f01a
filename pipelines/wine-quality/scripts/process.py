"""Raw semicolon CSVs -> train/val parquet: snake_case float64 measurements, int64 `quality`,
a `color` column (red rows first, then white, in file order), split seeded and stratified by quality.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv

from data_registry.core import datasets, params, stage
from data_registry.core.errors import CorruptSource
from data_registry.formats import parquet, splits

DATASET = "wine-quality"
MEASUREMENTS = (
    "fixed acidity",
    "volatile acidity",
    "citric acid",
    "residual sugar",
    "chlorides",
    "free sulfur dioxide",
    "total sulfur dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
)
TARGET = "quality"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    raw = dataset.raw_dir
    tables = [read_wines(raw / entry["name"], color) for color, entry in config["source"]["files"].items()]
    table = pa.concat_tables(tables)
    split = config["split"]
    parts = splits.stratified_train_val(table, TARGET, split["val_fraction"], split["seed"])
    for name, part in parts.items():
        parquet.write(part, dataset.split_file(name))


def read_wines(path: Path, color: str) -> pa.Table:
    """One UCI file, checked against the published header, with its colour as a column."""
    types = {**{name: pa.float64() for name in MEASUREMENTS}, TARGET: pa.int64()}
    try:
        table = pv.read_csv(
            path,
            parse_options=pv.ParseOptions(delimiter=";"),
            convert_options=pv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except pa.ArrowInvalid as error:
        raise CorruptSource(f"{path.name} is not the semicolon-separated wine CSV: {error}") from error
    if table.column_names != [*MEASUREMENTS, TARGET]:
        raise CorruptSource(f"{path.name} has columns {table.column_names}, not the UCI wine header")
    table = table.rename_columns([column_name(name) for name in table.column_names])
    return table.append_column("color", pa.array([color] * table.num_rows, pa.string()))


def column_name(published: str) -> str:
    """`free sulfur dioxide` -> `free_sulfur_dioxide`, `pH` -> `ph`."""
    return published.lower().replace(" ", "_")


if __name__ == "__main__":
    stage.run(main)
