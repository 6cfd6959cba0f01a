"""Raw hub parquet -> one parquet per split: `text` (string), `label` (int64), class names in
the schema metadata. Rows keep the published order."""

from __future__ import annotations

from data_registry.core import datasets, params, stage
from data_registry.formats import parquet, text

DATASET = "emotion"


def main() -> None:
    config = params.load()
    classes = config["classes"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    for split in sorted(config["source"]["files"]):
        table = text.read_labelled(dataset.raw_parquet(split), classes)
        parquet.write(table, dataset.split_file(split), {"classes": classes})


if __name__ == "__main__":
    stage.run(main)
