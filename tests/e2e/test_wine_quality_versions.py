"""wine-quality through the wrapper: UCI-format CSVs from a local host whose first answer is a
503, sha256 pins given with -S (params.yaml ships them empty), a moto S3 server as the remote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http_server import FileServer, serve
from tests.support.repo import git, run_pipeline, tags
from tests.support.s3 import S3Server
from tests.support.sources import write_wine_csv

pytestmark = pytest.mark.e2e
DS = "wine-quality"


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FileServer]:
    with serve(tmp_path / "uci") as server:
        yield server


def test_pinned_run_survives_a_503_tags_v1_with_outs_in_s3_then_is_unchanged(
    registry: Path, s3: S3Server, upstream: FileServer, tmp_path: Path
) -> None:
    pins = {
        "red": write_wine_csv(tmp_path / "uci" / "winequality-red.csv", 40, seed=3, duplicates=2),
        "white": write_wine_csv(tmp_path / "uci" / "winequality-white.csv", 60, seed=4),
    }
    upstream.fail("winequality-red.csv", times=1)
    args = [arg for color, digest in pins.items() for arg in ("-S", f"source.files.{color}.sha256={digest}")]

    first = run_pipeline(registry, DS, *args, "--json", **s3.env(), DATA_REGISTRY_MIRROR=upstream.url)

    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["tag"] == f"{DS}-v1.0.0"
    keys = s3.object_keys()
    for path in (f"data/{DS}/raw", f"data/{DS}/processed"):
        assert f"files/md5/{summary['outs'][path][:2]}/{summary['outs'][path][2:]}" in keys
    document = json.loads(git(registry, "show", f"{DS}-v1.0.0:data/{DS}/metadata.json"))
    assert document["splits"]["train"] + document["splits"]["val"] == 100
    assert document["metrics"]["all"]["duplicate_rows"] == 2
    committed = git(registry, "show", f"{DS}-v1.0.0:pipelines/{DS}/params.yaml")
    assert pins["red"] in committed and pins["white"] in committed

    again = run_pipeline(registry, DS, "--json", **s3.env(), DATA_REGISTRY_MIRROR=upstream.url)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "unchanged"
    assert tags(registry, DS) == [f"{DS}-v1.0.0"]
