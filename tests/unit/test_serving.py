"""serving.yaml and the publisher registry: what a dataset declares, and what is refused before a run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from data_registry import publish
from data_registry.core import settings
from data_registry.core.datasets import Dataset
from data_registry.core.errors import UsageError
from data_registry.publish import serving
from data_registry.publish.base import Publisher, ServingFileError

PROJECT = Path(__file__).resolve().parents[2]


def dataset_with(tmp_path: Path, text: str | None) -> Dataset:
    dataset = Dataset("ds", tmp_path)
    dataset.pipeline_dir.mkdir(parents=True)
    if text is not None:
        (dataset.pipeline_dir / serving.SERVING_FILE).write_text(text)
    return dataset


def test_every_registered_publisher_is_built_under_its_own_name(tmp_path: Path) -> None:
    options = {"pgvector": {"table": "chunks"}, "mlflow": {}}
    dataset = dataset_with(tmp_path, yaml.safe_dump({"publishers": options}, sort_keys=False))

    built = serving.publishers(dataset, settings.load(tmp_path, {}))

    assert set(publish.PUBLISHERS) == set(options), "a new publisher needs a case here"
    assert [publisher.name for publisher in built] == list(options)
    assert all(isinstance(publisher.name, str) and callable(publisher.served) for publisher in built)


def test_the_project_pipelines_declare_where_they_are_served(tmp_path: Path) -> None:
    found = settings.load(PROJECT, {"DATA_REGISTRY_HOME": str(tmp_path)})

    embeddings: list[Publisher] = serving.publishers(Dataset("readmes-embeddings", PROJECT), found)
    radiology = serving.publishers(Dataset("roco-radiology", PROJECT), found)

    assert [publisher.name for publisher in embeddings] == ["pgvector"]
    assert [publisher.name for publisher in radiology] == ["mlflow"]


def test_the_data_params_hold_no_serving_config() -> None:
    for params_file in sorted((PROJECT / "pipelines").glob("*/params.yaml")):
        assert "publish" not in (yaml.safe_load(params_file.read_text()) or {}), params_file


def test_a_dataset_without_a_serving_file_has_no_publishers(tmp_path: Path) -> None:
    assert serving.load(dataset_with(tmp_path, None)) == {}
    assert serving.load(dataset_with(tmp_path / "empty", "publishers:\n")) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("publishers:\n  pgvectr: {table: t}\n", r"unknown publishers \['pgvectr'\]"),
        ("publishers: [pgvector]\n", "must map names to options"),
        ("publishers:\n  pgvector: [t]\n", "options of pgvector must be a mapping"),
        ("publisher:\n  pgvector: {table: t}\n", "one key, `publishers`"),
        ("publishers: {pgvector: {table: t}\n", "not valid YAML"),
    ],
)
def test_a_malformed_serving_file_is_one_error_that_names_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ServingFileError, match=message) as error:
        serving.load(dataset_with(tmp_path, text))

    assert error.value.exit_code == 2 and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"table": "t", "ef_search": 40}, r"unknown pgvector options \['ef_search'\]"),
        ({"m": 16}, "needs a `table`"),
        ({"table": "Robert'); DROP TABLE x;--"}, "invalid table name"),
        ({"table": "t", "m": "16"}, "invalid HNSW m"),
        ({"table": "t", "ef_construction": True}, "invalid HNSW ef_construction"),
    ],
)
def test_bad_publisher_options_are_refused_when_built(tmp_path: Path, options: dict, message: str) -> None:
    dataset = dataset_with(tmp_path, yaml.safe_dump({"publishers": {"pgvector": options}}))

    with pytest.raises(UsageError, match=message):
        serving.publishers(dataset, settings.load(tmp_path, {}))
