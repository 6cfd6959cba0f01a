"""publish: serve this version in Postgres + pgvector (run by the wrapper; a no-op when served)."""

from __future__ import annotations

from pathlib import Path

from data_registry import datasets, params, settings, stage
from data_registry.publish import pgvector

NAME = "readmes-embeddings"


def main() -> None:
    args = stage.publish_request()
    dataset = datasets.get(datasets.find_root(Path(__file__).parent), NAME)
    options = params.load(dataset.pipeline_dir)["publish"]["pgvector"]
    outcome = pgvector.publish_dataset(dataset, args.version, settings.load(dataset.root), options)
    table, seconds = options["table"], outcome.seconds
    print(f"{outcome.status}: {args.tag} in table {table} ({outcome.rows} rows, {seconds:.2f} s)")


if __name__ == "__main__":
    stage.run(main)
