"""The synthetic-tabular pipeline under `dvc repro` in fresh registry repos: no network needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from data_registry.core import params
from data_registry.formats import metadata
from tests.support.repo import dvc, make_registry

NAME = "synthetic-tabular"
DVC_YAML = f"pipelines/{NAME}/dvc.yaml"


def repro(repo: Path) -> str:
    result = dvc(repo, "repro", DVC_YAML)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def lock_outs(repo: Path) -> dict[str, list[dict[str, Any]]]:
    lock = yaml.safe_load((repo / "pipelines" / NAME / "dvc.lock").read_text())
    return {stage: entry["outs"] for stage, entry in lock["stages"].items()}


def pipeline_params(repo: Path) -> dict[str, Any]:
    return params.load(repo / "pipelines" / NAME)


def read_metadata(repo: Path) -> dict[str, Any]:
    return metadata.read(repo / "data" / NAME / "metadata.json")


def test_repro_writes_splits_of_the_configured_size_and_valid_metadata(registry: Path) -> None:
    repro(registry)

    values = pipeline_params(registry)
    data = registry / "data" / NAME
    raw_rows = pq.read_metadata(data / "raw" / "synthetic.parquet").num_rows
    train_rows = pq.read_metadata(data / "processed" / "train" / "train.parquet").num_rows
    val_rows = pq.read_metadata(data / "processed" / "val" / "val.parquet").num_rows
    assert raw_rows == train_rows + val_rows == values["n_samples"]
    assert val_rows == round(values["n_samples"] * values["val_fraction"])

    document = read_metadata(registry)
    assert document["dataset"] == NAME
    assert document["params"] == values
    assert document["splits"] == {"train": train_rows, "val": val_rows}
    features = [f"f{index}" for index in range(values["n_features"])]
    # metadata.json sorts its keys, so the schema is compared as a set of columns.
    assert set(document["schema"]["train"]["columns"]) == {"id", *features, "target", "label"}
    train_metrics = document["metrics"]["train"]
    assert set(train_metrics["columns"]) == {*features, "target"}
    assert sum(train_metrics["label_counts"].values()) == train_rows
    assert (data / "plots" / "target_distribution.csv").read_text().startswith("target,count\n")


def test_second_repro_changes_nothing_but_an_edit_of_a_shared_module_makes_its_stages_stale(
    registry: Path,
) -> None:
    repro(registry)
    lock_before = (registry / "pipelines" / NAME / "dvc.lock").read_text()

    output = repro(registry)

    assert "Running stage" not in output
    assert (registry / "pipelines" / NAME / "dvc.lock").read_text() == lock_before
    status = dvc(registry, "status", DVC_YAML)
    assert "up to date" in status.stdout, status.stdout + status.stderr

    # Issue 17: stages did not list modules they import (`params` is used by every script), so
    # DVC called them up to date after such a module changed and the old bytes stayed published.
    with (registry / "src/data_registry/core/params.py").open("a") as module:
        module.write("\n# an edit that could change what the stages write\n")
    status = dvc(registry, "status", "--json", DVC_YAML)

    stale = {
        stage.split(":")[-1]: change["changed deps"]
        for stage, changes in json.loads(status.stdout).items()
        for change in changes
        if isinstance(change, dict) and "changed deps" in change
    }
    assert stale == {name: {"src/data_registry/core/params.py": "modified"} for name in lock_outs(registry)}


def test_repro_in_another_fresh_copy_gives_byte_identical_outs(registry: Path, tmp_path: Path) -> None:
    other = make_registry(tmp_path / "other-registry")

    repro(registry)
    repro(other)

    assert lock_outs(registry) == lock_outs(other)
    metadata_path = Path("data") / NAME / "metadata.json"
    assert (registry / metadata_path).read_bytes() == (other / metadata_path).read_bytes()


def test_more_samples_change_the_content_but_not_the_schema(registry: Path) -> None:
    repro(registry)
    before, outs_before = read_metadata(registry), lock_outs(registry)

    params.apply_overrides(registry / "pipelines" / NAME, ["n_samples=1200"])
    repro(registry)

    after = read_metadata(registry)
    assert after["schema"] == before["schema"]
    assert sum(after["splits"].values()) == 1200
    assert lock_outs(registry)["process"] != outs_before["process"]


def test_fewer_features_change_the_schema(registry: Path) -> None:
    params.apply_overrides(registry / "pipelines" / NAME, ["n_features=3"])

    repro(registry)

    columns = read_metadata(registry)["schema"]["train"]["columns"]
    assert columns == {
        "id": "int64",
        "f0": "double",
        "f1": "double",
        "f2": "double",
        "target": "double",
        "label": "int8",
    }
