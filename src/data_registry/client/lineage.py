"""MLflow lineage: which exact dataset version a training run read.

The logged dataset's source is the registry URL plus the tag (enough to fetch it
again) and its digest is the processed out's hash (the version's identity), so
two runs on the same data show the same digest whatever they were called.
"""

from __future__ import annotations

from typing import Any

from data_registry.client.api import Repo, metadata, outs
from data_registry.client.location import locate
from data_registry.core import layout


def log_to_mlflow(
    dataset: str,
    version: str = "latest",
    repo: Repo = None,
    *,
    split: str | None = None,
    context: str = "training",
) -> dict[str, Any]:
    """Log the version as an input of the active MLflow run (one is started if none is active),
    with `dataset.<name>.*` params; returns what was logged."""
    import mlflow
    from mlflow.data.meta_dataset import MetaDataset

    from data_registry.client.mlflow_source import RegistryDatasetSource

    registry = locate(repo)
    document = metadata(dataset, version, registry)
    digest = outs(dataset, document["version"], registry)[layout.processed_path(dataset)]
    path = layout.split_path(dataset, split) if split else layout.processed_path(dataset)
    source = RegistryDatasetSource(registry.public_url, document["tag"], path)
    name = f"{dataset}@{document['version']}" + (f"/{split}" if split else "")
    logged = MetaDataset(source, name=name, digest=digest)  # type: ignore[abstract]  # mlflow's stub
    mlflow.log_input(logged, context=context)
    params = {
        f"dataset.{dataset}.version": document["version"],
        f"dataset.{dataset}.tag": document["tag"],
        f"dataset.{dataset}.digest": digest,
        f"dataset.{dataset}.registry": registry.public_url,
    }
    mlflow.log_params(params)
    return {"name": name, "digest": digest, "source": source.to_dict(), "params": params}
