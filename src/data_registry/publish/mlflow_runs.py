"""The `mlflow` publisher: an MLflow run per dataset version, with the params that built it, the
version as an input, and the prompt it used, so a build shows up beside the training runs that
consume it.

Runs are found again by the version's tag (immutable, so it names the content): publishing the
same tag twice (the wrapper publishes on unchanged runs too) logs nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.core import params
from data_registry.formats import metadata, prompts
from data_registry.publish.base import ALREADY_SERVED, PUBLISHED, Report, Served, VersionFacts, check_options

if TYPE_CHECKING:
    from data_registry.core.datasets import Dataset
    from data_registry.core.settings import Settings

EXPERIMENT = "data-registry-builds"
TAG_KEY = "data_registry.tag"


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested params as MLflow wants them: dotted keys, string values."""
    return {key: str(value) for key, value in params.leaves(values, prefix).items()}


def find_run(tag: str) -> str | None:
    """The id of the build run already logged for `tag`, if any."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return None
    found = mlflow.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{TAG_KEY}` = '{tag}'", output_format="list"
    )
    return found[0].info.run_id if found else None


def _experiment_id(tracking_uri: str) -> str:
    """The builds experiment, created on first use. With a SQLite store, artifacts go beside the
    database: MLflow's default (./mlruns under the working folder) would land inside the registry."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        return str(experiment.experiment_id)
    location = None
    if tracking_uri.startswith("sqlite:///"):
        location = (Path(tracking_uri.removeprefix("sqlite:///")).parent / "mlartifacts").as_uri()
    return str(mlflow.create_experiment(EXPERIMENT, artifact_location=location))


def log_build(dataset: Dataset, tag: str, version: str, tracking_uri: str) -> tuple[str, bool]:
    """Log the build of `tag` (the version now checked out) unless a run for it exists.

    Returns the run id and whether it was created now.
    """
    import mlflow

    from data_registry.client import log_to_mlflow

    prompts.use_tracking_uri(tracking_uri)
    existing = find_run(tag)
    if existing:
        return existing, False
    document = metadata.read(dataset.metadata_file)
    mlflow.set_experiment(experiment_id=_experiment_id(tracking_uri))
    run_tags = {TAG_KEY: tag, "data_registry.dataset": dataset.name, "data_registry.version": version}
    with mlflow.start_run(run_name=tag, tags=run_tags) as run:
        mlflow.log_params(flatten(document["params"], "params."))
        mlflow.log_metrics({f"rows.{split}": count for split, count in document["splits"].items()})
        log_to_mlflow(dataset.name, version, dataset.root, context="build")
        if "prompt" in document:
            _log_prompt(run.info.run_id, document["prompt"])
    return run.info.run_id, True


def _log_prompt(run_id: str, prompt: Mapping[str, Any]) -> None:
    """The prompt as params (name, version, template hash), its text, and MLflow's own link from
    the prompt version to this run."""
    import mlflow

    mlflow.log_params(
        flatten({key: prompt[key] for key in ("name", "version", "template_sha256", "uri")}, "prompt.")
    )
    mlflow.log_text(prompt["template"], "prompt/template.txt")
    mlflow.MlflowClient().link_prompt_version_to_run(run_id, prompt["uri"])


class BuildRunPublisher:
    """Options (serving.yaml): none yet; the tracking server is the environment's
    MLFLOW_TRACKING_URI, like every other MLflow use here."""

    name = "mlflow"

    def __init__(self, dataset: Dataset, settings: Settings, options: Mapping[str, Any]) -> None:
        check_options(self.name, options, set())
        self.dataset, self.tracking_uri = dataset, settings.mlflow_tracking_uri

    def publish(self, facts: VersionFacts) -> Report:
        started = time.perf_counter()
        run_id, created = log_build(self.dataset, facts.tag, facts.version, self.tracking_uri)
        status = PUBLISHED if created else ALREADY_SERVED
        return Report(
            self.name, status, f"MLflow run {run_id}", facts.tag, seconds=time.perf_counter() - started
        )

    def served(self) -> list[Served]:
        import mlflow

        prompts.use_tracking_uri(self.tracking_uri)
        experiment = mlflow.get_experiment_by_name(EXPERIMENT)
        if experiment is None:
            return []
        runs = mlflow.search_runs(
            [experiment.experiment_id],
            filter_string=f"tags.`data_registry.dataset` = '{self.dataset.name}'",
            order_by=["attributes.start_time DESC"],
            output_format="list",
        )
        return [
            Served(f"MLflow run {run.info.run_id}", self.dataset.name, run.data.tags["data_registry.version"])
            for run in runs
        ]


if TYPE_CHECKING:  # mypy checks that the class is what the registry expects
    from data_registry.publish.base import PublisherFactory

    _registered: PublisherFactory = BuildRunPublisher
