"""`dvc repro` of pipelines/fashion-mnist in a fresh registry repo, sources served locally."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from data_registry.core import params
from data_registry.formats import images, metadata, parquet
from tests.support.http_server import FileServer, serve
from tests.support.idx import FILE_NAMES, fashion_mnist_arrays, write_fashion_mnist_files
from tests.support.repo import dvc, git

N_TRAIN, N_VAL, SEED = 120, 40, 11
DVC_YAML = "pipelines/fashion-mnist/dvc.yaml"


@pytest.fixture
def source(tmp_path: Path) -> dict[str, str]:
    """The generated files ({name: md5}), written into tmp_path/source."""
    return write_fashion_mnist_files(tmp_path / "source", N_TRAIN, N_VAL, SEED)


@pytest.fixture
def pinned_registry(registry: Path, source: dict[str, str]) -> Path:
    """The registry with params.yaml pinning the generated files' md5s, committed."""
    pipeline = registry / "pipelines" / "fashion-mnist"
    overrides = [f"source.files.{key}.md5='{source[name]}'" for key, name in FILE_NAMES.items()]
    params.apply_overrides(pipeline, overrides)
    git(registry, "commit", "-q", "-am", "pin generated sources")
    return registry


@pytest.fixture
def server(tmp_path: Path, source: dict[str, str]) -> Iterator[FileServer]:
    with serve(tmp_path / "source") as running:
        yield running


def repro(registry: Path, server: FileServer, *args: str) -> tuple[int, str, str]:
    result = dvc(registry, "repro", *args, DVC_YAML, DATA_REGISTRY_MIRROR=server.url)
    return result.returncode, result.stdout, result.stderr


def test_repro_builds_exact_splits_and_metadata_then_is_a_noop(
    pinned_registry: Path, server: FileServer, source: dict[str, str]
) -> None:
    code, out, err = repro(pinned_registry, server)
    assert code == 0, out + err
    data = pinned_registry / "data" / "fashion-mnist"
    expected = fashion_mnist_arrays(N_TRAIN, N_VAL, SEED)
    for split in ("train", "val"):
        table = parquet.read(data / "processed" / split / f"{split}.parquet")
        np.testing.assert_array_equal(images.images_from_table(table), expected[f"{split}_images"])
        np.testing.assert_array_equal(images.labels_from_table(table), expected[f"{split}_labels"])
        assert (
            images.classes_from_table(table)
            == params.load(pinned_registry / "pipelines/fashion-mnist")["classes"]
        )

    document = metadata.read(data / "metadata.json")
    assert document["splits"] == {"train": N_TRAIN, "val": N_VAL}
    for split in ("train", "val"):
        scaled = expected[f"{split}_images"] / 255
        assert document["metrics"][split]["pixel_mean"] == pytest.approx(scaled.mean(), abs=1e-6)
        assert document["metrics"][split]["pixel_std"] == pytest.approx(scaled.std(), abs=1e-6)
        counts = document["metrics"][split]["class_counts"]
        assert sum(counts.values()) == len(expected[f"{split}_labels"])
    train_images = document["source"]["files"]["train_images"]
    assert train_images["md5"] == source[FILE_NAMES["train_images"]]
    assert train_images["url"].startswith("http://fashion-mnist.s3-website")
    assert "127.0.0.1" not in (data / "metadata.json").read_text()  # the mirror is environment

    with (data / "plots" / "class_distribution.csv").open() as plots:
        rows = list(csv.DictReader(plots))
    assert len(rows) == 20 and set(rows[0]) == {"split", "label", "class", "count"}

    requests_after_first_run = sum(server.requests.values())
    code, out, err = repro(pinned_registry, server)
    assert code == 0, out + err
    assert out.count("didn't change, skipping") == 3
    assert sum(server.requests.values()) == requests_after_first_run

    # Forced rerun: every out is byte-identical, so dvc.lock does not change.
    lock = (pinned_registry / "pipelines" / "fashion-mnist" / "dvc.lock").read_text()
    metadata_bytes = (data / "metadata.json").read_bytes()
    code, out, err = repro(pinned_registry, server, "--force")
    assert code == 0, out + err
    assert (pinned_registry / "pipelines" / "fashion-mnist" / "dvc.lock").read_text() == lock
    assert (data / "metadata.json").read_bytes() == metadata_bytes


def test_corrupted_source_fails_with_checksum_error_and_keeps_nothing(
    pinned_registry: Path, server: FileServer, tmp_path: Path
) -> None:
    served = tmp_path / "source" / FILE_NAMES["val_labels"]
    served.write_bytes(served.read_bytes()[:-3] + b"bad")
    code, _, err = repro(pinned_registry, server)
    assert code != 0
    assert "error: checksum mismatch for http://127.0.0.1" in err
    assert "t10k-labels-idx1-ubyte.gz" in err
    data = pinned_registry / "data" / "fashion-mnist"
    # Neither the bad file nor the good ones fetched before it, nor a temp folder.
    assert not data.exists() or sorted(data.rglob("*")) == []
