"""Pull each pinned collection version into data/clean-images/collections/<name>.

Uses DVC's get (what `dvc import --rev collection-<name>-vX.Y.Z` runs, minus the
.dvc file: this stage's dvc.lock records the hash instead). The folder appears
whole or not at all.
"""

from __future__ import annotations

from data_registry.core import datasets, params, settings, stage
from data_registry.core.atomic import atomic_dir
from data_registry.core.errors import ParamsError
from data_registry.sources import collection_pins

DATASET = "clean-images"


def main() -> None:
    config = params.load()
    dataset = datasets.get(datasets.find_root(), DATASET)
    tags = pinned_tags(config["collections"])
    env = settings.load(dataset.root)
    registry = config["registry"] or str(dataset.root)
    with atomic_dir(dataset.data_dir / "collections") as staging:
        for name, tag in tags.items():
            collection_pins.fetch(env, registry, tag, staging / name)


def pinned_tags(tags: list[str]) -> dict[str, str]:
    """{name: tag}, one version per collection; an empty list is a mistake, not an empty dataset."""
    if not tags:
        raise ParamsError(
            "params.yaml pins no collection",
            "add one with `data-registry add-collection <name> <folder>`, "
            "then list its tag under `collections:` (e.g. collection-cats-v1.0.0)",
        )
    pinned: dict[str, str] = {}
    for tag in tags:
        name, _ = collection_pins.parse_tag(tag)
        if name in pinned:
            raise ParamsError(f"collection {name} is pinned twice: {pinned[name]} and {tag}", "keep one")
        pinned[name] = tag
    return pinned


if __name__ == "__main__":
    stage.run(main)
