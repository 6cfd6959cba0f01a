"""`dvc repro` of pipelines/wine-quality in a fresh registry, the UCI CSVs served locally."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from data_registry.core import params
from data_registry.formats import metadata, parquet
from tests.support.http_server import FileServer, serve
from tests.support.repo import dvc, git
from tests.support.sources import write_wine_csv

DVC_YAML = "pipelines/wine-quality/dvc.yaml"
N_RED, N_WHITE, DUPLICATES = 60, 140, 3


@pytest.fixture
def source(tmp_path: Path) -> dict[str, str]:
    return {
        "red": write_wine_csv(
            tmp_path / "host" / "winequality-red.csv", N_RED, seed=1, duplicates=DUPLICATES
        ),
        "white": write_wine_csv(tmp_path / "host" / "winequality-white.csv", N_WHITE, seed=2),
    }


@pytest.fixture
def server(tmp_path: Path, source: dict[str, str]) -> Iterator[FileServer]:
    with serve(tmp_path / "host") as running:
        yield running


def pin(registry: Path, overrides: list[str]) -> None:
    params.apply_overrides(registry / "pipelines" / "wine-quality", overrides)
    git(registry, "commit", "-q", "-am", "pin generated sources")


def repro(registry: Path, server: FileServer) -> tuple[int, str]:
    result = dvc(registry, "repro", DVC_YAML, DATA_REGISTRY_MIRROR=server.url)
    return result.returncode, result.stdout + result.stderr


def test_repro_retries_a_failing_host_and_builds_stratified_splits(
    registry: Path, server: FileServer, source: dict[str, str]
) -> None:
    pin(registry, [f"source.files.{color}.sha256={digest}" for color, digest in source.items()])
    server.fail("winequality-white.csv", times=1)

    code, output = repro(registry, server)

    assert code == 0, output
    assert server.requests["winequality-white.csv"] == 2
    data = registry / "data" / "wine-quality"
    train = parquet.read(data / "processed" / "train" / "train.parquet")
    val = parquet.read(data / "processed" / "val" / "val.parquet")
    assert train.num_rows + val.num_rows == N_RED + N_WHITE
    assert val.num_rows == pytest.approx(0.2 * (N_RED + N_WHITE), abs=6)
    assert train.schema.field("quality").type == pa.int64()
    assert train.schema.field("free_sulfur_dioxide").type == pa.float64()
    assert set(train["color"].to_pylist()) == {"red", "white"}
    for quality in set(train["quality"].to_pylist()):  # every score in both splits, in proportion
        in_val = val["quality"].to_pylist().count(quality)
        in_train = train["quality"].to_pylist().count(quality)
        assert in_val == round((in_val + in_train) * 0.2)

    document = metadata.read(data / "metadata.json")
    assert document["metrics"]["all"]["duplicate_rows"] == DUPLICATES
    assert set(document["metrics"]["train"]["columns"]) >= {"alcohol", "ph", "quality"}
    assert sum(document["metrics"]["val"]["quality_counts"].values()) == val.num_rows
    assert document["source"]["files"]["red"]["sha256"] == source["red"]
    assert document["source"]["files"]["red"]["url"].startswith("https://archive.ics.uci.edu/")
    assert (data / "plots" / "quality_distribution.csv").read_text().startswith("split,color,quality,count")


def test_unpinned_source_is_refused_unless_trust_on_first_use(
    registry: Path, server: FileServer, source: dict[str, str]
) -> None:
    code, output = repro(registry, server)
    assert code != 0
    assert "error: no checksum pinned for winequality-red.csv, winequality-white.csv" in output
    assert sum(server.requests.values()) == 0

    pin(registry, ["source.trust_on_first_use=true"])
    code, output = repro(registry, server)
    assert code == 0, output
    recorded = metadata.read(registry / "data" / "wine-quality" / "metadata.json")["source"]["files"]
    assert {color: entry["sha256"] for color, entry in recorded.items()} == source


def test_corrupted_download_fails_on_checksum_and_keeps_nothing(
    registry: Path, server: FileServer, source: dict[str, str], tmp_path: Path
) -> None:
    pin(registry, [f"source.files.{color}.sha256={digest}" for color, digest in source.items()])
    served = tmp_path / "host" / "winequality-white.csv"
    served.write_text(served.read_text().replace(";5\n", ";6\n", 1))

    code, output = repro(registry, server)

    assert code != 0
    assert "error: checksum mismatch for http://127.0.0.1" in output and "winequality-white.csv" in output
    raw = registry / "data" / "wine-quality"
    assert not raw.exists() or sorted(raw.rglob("*")) == []
