"""Decode every imported image in a process pool; write the usable ones to parquet and the
removed ones, each with its reason, to removed.json."""

from __future__ import annotations

import json
import sys

from data_registry.core import atomic, datasets, params, stage
from data_registry.formats import image_checks
from data_registry.sources import collection_pins

DATASET = "clean-images"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    classes = [collection_pins.parse_tag(tag)[0] for tag in config["collections"]]
    removal = image_checks.remove_corrupted(
        dataset.data_dir / "collections",
        dataset.split_file("images"),
        classes,
        config["formats"],
        max_pixels=stage.require(config, "max_pixels", stage.is_count, "a positive integer"),
    )
    report = {"checked": removal.checked, "kept": removal.kept, "removed": removal.removed}
    atomic.write_text(dataset.data_dir / "removed.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"kept {removal.kept} of {removal.checked} files, removed {len(removal.removed)}", file=sys.stderr)


if __name__ == "__main__":
    stage.run(main)
