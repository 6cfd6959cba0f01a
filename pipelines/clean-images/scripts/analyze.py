"""Processed images + removal report -> metadata.json (lineage: the pinned collection tags;
metrics: class counts, formats, sizes, every removed file with its reason) and plots data."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow as pa

from data_registry.core import datasets, params, stage
from data_registry.formats import image_checks, metadata, parquet, profile
from data_registry.quality import checks
from data_registry.sources import collection_pins

DATASET = "clean-images"
SPLIT = "images"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    files = {SPLIT: dataset.split_file(SPLIT)}
    report = json.loads((dataset.data_dir / "removed.json").read_text())
    by_reason = dict(
        sorted(Counter(image_checks.reason_kind(item["reason"]) for item in report["removed"]).items())
    )
    tags = {collection_pins.parse_tag(tag)[0]: tag for tag in config["collections"]}
    table = parquet.read(files[SPLIT])
    metrics = {
        SPLIT: image_metrics(table, list(tags)),
        "remove_corrupted": {
            "checked": report["checked"],
            "kept": report["kept"],
            "removed": len(report["removed"]),
            "removed_by_reason": by_reason,
            "removed_files": report["removed"],
        },
    }
    document = metadata.build(
        DATASET,
        source={"registry": config["registry"] or "this repository", "collections": tags},
        params={
            "formats": config["formats"],
            "collections": config["collections"],
            "max_pixels": config["max_pixels"],
        },
        files=files,
        metrics=metrics,
        quality=checks.evaluate(dataset.pipeline_dir, {SPLIT: table}, metrics),
        upstream={"collections": tags},
    )
    metadata.write(dataset.metadata_file, document)
    profile.write_csv(
        dataset.plots_dir / "removed_by_reason.csv",
        ["reason", "count"],
        [{"reason": reason, "count": count} for reason, count in by_reason.items()],
    )


def image_metrics(table: pa.Table, classes: list[str]) -> dict[str, Any]:
    return {
        "class_counts": profile.value_counts(table["label"], classes),
        "format_counts": profile.distinct_counts(table["format"]),
        "size": profile.column_stats(table, ["width", "height"]),
    }


if __name__ == "__main__":
    stage.run(main)
