"""data_registry.core.datasets: names checked before they touch a path, pipelines found under the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_registry.core import datasets
from data_registry.core.errors import InvalidDatasetName, UnknownDataset, UsageError

DVC_YAML_WITH_ARTIFACTS = """\
artifacts:
  images:
    path: ../../data/images/processed
    type: dataset
    labels: [vision, offline]
  thumbnails:
    path: ../../data/images/thumbnails
    type: dataset
    labels: [vision, small]
stages: {}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A minimal registry: a .dvc folder and three pipelines, one of them without a dvc.yaml."""
    (tmp_path / ".dvc").mkdir()
    for name, dvc_yaml in [("images", DVC_YAML_WITH_ARTIFACTS), ("tabular", "stages: {}\n")]:
        (tmp_path / "pipelines" / name).mkdir(parents=True)
        (tmp_path / "pipelines" / name / "dvc.yaml").write_text(dvc_yaml)
    (tmp_path / "pipelines" / "draft").mkdir()
    (tmp_path / "pipelines" / "Not_A_Name").mkdir()
    (tmp_path / "pipelines" / "Not_A_Name" / "dvc.yaml").write_text("stages: {}\n")
    return tmp_path


@pytest.mark.parametrize("name", ["fashion-mnist", "synthetic-tabular", "a", "0day", "a-1"])
def test_valid_names_are_returned_unchanged(name: str) -> None:
    assert datasets.validate_name(name) == name


@pytest.mark.parametrize("name", ["../x", "X", "-a", "", "a b", "a/b", "a_b", "a.b", "mnist\n", "ü"])
def test_invalid_names_are_refused_as_usage_errors(name: str) -> None:
    with pytest.raises(InvalidDatasetName) as raised:
        datasets.validate_name(name)

    assert raised.value.exit_code == 2
    assert "[a-z0-9][a-z0-9-]*" in raised.value.one_line()


def test_get_returns_the_dataset_and_its_paths(root: Path) -> None:
    dataset = datasets.get(root, "images")

    assert dataset.pipeline_dir == root / "pipelines" / "images"
    assert dataset.dvc_yaml == root / "pipelines" / "images" / "dvc.yaml"
    assert dataset.params_file == root / "pipelines" / "images" / "params.yaml"
    assert dataset.lock_file == root / "pipelines" / "images" / "dvc.lock"
    assert dataset.metadata_file == root / "data" / "images" / "metadata.json"
    assert dataset.relative(dataset.metadata_file) == "data/images/metadata.json"


def test_unknown_dataset_error_lists_the_known_ones(root: Path) -> None:
    with pytest.raises(UnknownDataset, match=r"'nope' \(known: images, tabular\)"):
        datasets.get(root, "nope")


def test_folder_without_dvc_yaml_is_an_unknown_dataset(root: Path) -> None:
    with pytest.raises(UnknownDataset, match="'draft'"):
        datasets.get(root, "draft")


def test_get_refuses_a_path_like_name_before_looking_at_the_disk(root: Path) -> None:
    with pytest.raises(InvalidDatasetName):
        datasets.get(root, "../pipelines/images")


def test_discover_lists_only_valid_pipelines_in_name_order(root: Path) -> None:
    assert [dataset.name for dataset in datasets.discover(root)] == ["images", "tabular"]


def test_find_root_walks_up_from_a_nested_folder(root: Path) -> None:
    nested = root / "pipelines" / "images" / "scripts" / "deep"
    nested.mkdir(parents=True)

    assert datasets.find_root(nested) == root.resolve()


def test_find_root_defaults_to_the_working_directory(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root / "pipelines" / "tabular")

    assert datasets.find_root() == root.resolve()


def test_find_root_needs_both_dvc_and_pipelines_folders(tmp_path: Path) -> None:
    (tmp_path / ".dvc").mkdir()

    with pytest.raises(UsageError, match="not inside a data registry"):
        datasets.find_root(tmp_path)


def test_labels_come_from_all_artifacts_sorted_and_deduplicated(root: Path) -> None:
    assert datasets.get(root, "images").labels == ["offline", "small", "vision"]


def test_pipeline_without_artifacts_has_no_labels(root: Path) -> None:
    assert datasets.get(root, "tabular").labels == []
