"""fashion-mnist through the wrapper: a local HTTP host serving generated IDX files with their
real md5s, a moto S3 server as the `minio` remote, real DVC and git."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.support.http_server import FileServer, serve
from tests.support.idx import write_fashion_mnist_files
from tests.support.repo import git, run_pipeline, tags
from tests.support.s3 import S3Server

pytestmark = pytest.mark.e2e
DS = "fashion-mnist"


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[FileServer]:
    with serve(tmp_path / "host") as server:
        yield server


def publish(folder: Path, seed: int) -> list[str]:
    """Generate upstream files and return the -S overrides that pin their md5s."""
    md5s = write_fashion_mnist_files(folder, n_train=96, n_val=32, seed=seed)
    return [f"source.files.{key}.md5={md5s[name]}" for key, name in file_keys().items()]


def file_keys() -> dict[str, str]:
    params = yaml.safe_load((Path(__file__).parents[2] / "pipelines" / DS / "params.yaml").read_text())
    return {key: entry["name"] for key, entry in params["source"]["files"].items()}


def run(registry: Path, s3: S3Server, upstream: FileServer, overrides: list[str]):  # type: ignore[no-untyped-def]
    args = [arg for override in overrides for arg in ("-S", override)]
    return run_pipeline(registry, DS, *args, "--json", **s3.env(), DATA_REGISTRY_MIRROR=upstream.url)


def test_first_run_tags_v1_with_outs_in_s3_then_unchanged(
    registry: Path, s3: S3Server, upstream: FileServer, tmp_path: Path
) -> None:
    pins = publish(tmp_path / "host", seed=0)
    first = run(registry, s3, upstream, pins)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)

    assert summary["tag"] == f"{DS}-v1.0.0" and summary["status"] == "created"
    keys = s3.object_keys()
    for path in (f"data/{DS}/raw", f"data/{DS}/processed"):
        digest = summary["outs"][path]
        assert f"files/md5/{digest[:2]}/{digest[2:]}" in keys, path
    assert len(keys) == 1 + 4 + 1 + 2  # raw .dir + 4 archives, processed .dir + 2 shards

    again = run(registry, s3, upstream, [])
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "unchanged"
    assert tags(registry, DS) == [f"{DS}-v1.0.0"]


def test_new_upstream_files_make_a_minor_version(
    registry: Path, s3: S3Server, upstream: FileServer, tmp_path: Path
) -> None:
    assert run(registry, s3, upstream, publish(tmp_path / "host", seed=0)).returncode == 0
    second = run(registry, s3, upstream, publish(tmp_path / "host", seed=1))

    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["tag"] == f"{DS}-v1.1.0"
    assert tags(registry, DS) == [f"{DS}-v1.0.0", f"{DS}-v1.1.0"]
    metrics = json.loads(git(registry, "show", f"{DS}-v1.1.0:data/{DS}/metadata.json"))["metrics"]
    assert 0.0 < metrics["train"]["pixel_mean"] < 1.0


def test_checksum_mismatch_fails_cleanly_and_keeps_v1(
    registry: Path, s3: S3Server, upstream: FileServer, tmp_path: Path
) -> None:
    host = tmp_path / "host"
    assert run(registry, s3, upstream, publish(host, seed=0)).returncode == 0
    committed = git(registry, "rev-parse", "HEAD")
    params = (registry / "pipelines" / DS / "params.yaml").read_bytes()
    pins = publish(host, seed=1)
    shutil.copy(
        host / "t10k-labels-idx1-ubyte.gz", host / "train-labels-idx1-ubyte.gz"
    )  # a wrong file served

    failed = run(registry, s3, upstream, pins)

    assert failed.returncode != 0 and failed.stdout == ""
    assert "checksum mismatch" in failed.stderr.lower()
    assert failed.stderr.strip().splitlines()[-1].startswith("error: ")
    assert tags(registry, DS) == [f"{DS}-v1.0.0"]
    assert git(registry, "rev-parse", "HEAD") == committed
    assert (registry / "pipelines" / DS / "params.yaml").read_bytes() == params
    assert not list((registry / "data" / DS / "raw").glob("*.tmp"))
