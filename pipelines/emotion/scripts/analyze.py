"""Processed splits -> metadata.json (lineage at the pinned commit, label distribution,
text lengths, duplicates, cross-split leakage) and plots data."""

from __future__ import annotations

from typing import Any

from data_registry.core import datasets, params, stage
from data_registry.formats import metadata, parquet, profile, text
from data_registry.quality import checks
from data_registry.sources import hub

DATASET = "emotion"
LENGTH_BINS = 20


def main() -> None:
    config = params.load()
    classes = config["classes"]
    dataset = datasets.get(datasets.find_root(), DATASET)
    splits = sorted(config["source"]["files"])
    files = {split: dataset.split_file(split) for split in splits}
    tables = {split: parquet.read(path) for split, path in files.items()}
    metrics: dict[str, Any] = {split: text.split_metrics(table, classes) for split, table in tables.items()}
    metrics["leakage"] = text.leakage({split: tables[split] for split in ("train", "val", "test")})
    document = metadata.build(
        DATASET,
        source=hub.describe_source(config["source"], dataset.raw_dir),
        params={"classes": classes},
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, tables, metrics),
    )
    metadata.write(dataset.metadata_file, document)
    plots = dataset.plots_dir
    profile.write_csv(
        plots / "label_distribution.csv",
        ["split", "label", "class", "count"],
        [
            {"split": split, "label": label, "class": name, "count": metrics[split]["label_counts"][name]}
            for split in splits
            for label, name in enumerate(classes)
        ],
    )
    profile.write_csv(
        plots / "text_length.csv",
        ["split", "words", "count"],
        [
            {"split": split, **row}
            for split in splits
            for row in profile.histogram(text.lengths(tables[split])["words"], LENGTH_BINS, "words")
        ],
    )


if __name__ == "__main__":
    stage.run(main)
