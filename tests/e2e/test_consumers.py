"""A training repo consumes exact versions of a registry served as a file:// git URL, its data
in a moto S3 `minio` remote: dvc get/import/update, dvc.api, the client (pandas, arrow, Ray,
MLflow), the CLI, verify and rollback.

The committed `minio` endpoint is MinIO's (http://localhost:9000); consumers point it at moto
the way a user points it at any other endpoint: `--remote-config endpointurl=...` for DVC
commands, `remote_config={"endpointurl": ...}` (or AWS_ENDPOINT_URL) for the client.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from data_registry import client
from data_registry.client.compare import flatten
from data_registry.core.errors import RemoteError, UnknownVersion
from tests.support.repo import dvc, git, make_registry, run_pipeline, tool_env
from tests.support.s3 import BUCKET, CREDENTIALS, S3Server, running_s3

pytestmark = pytest.mark.e2e
DS = "synthetic-tabular"
TRAIN = f"data/{DS}/processed/train/train.parquet"
V1, V2 = f"{DS}-v1.0.0", f"{DS}-v1.1.0"
ROWS = {"1.0.0": 4000, "1.1.0": 1200}


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    """One S3 store for the module: its tests read the versions made once in `registry`."""
    with running_s3() as server:
        yield server


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, s3: S3Server) -> Path:
    """Two versions made by the real wrapper, their outs pushed to S3 (1.1.0: fewer rows)."""
    repo = make_registry(tmp_path_factory.mktemp("consumers") / "registry")
    for overrides in ([], ["-S", "n_samples=1500"]):
        made = run_pipeline(repo, DS, "--no-push", *overrides, **s3.env())
        assert made.returncode == 0, made.stderr
    return repo


@pytest.fixture(scope="module")
def url(registry: Path) -> str:
    return f"file://{registry}"


@pytest.fixture
def consumer_env(s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A consumer's environment: S3 credentials, a private client cache."""
    env = {**CREDENTIALS, "DATA_REGISTRY_CACHE": str(tmp_path / "cache")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("DVC_REMOTE", raising=False)
    return env


def remote_for(url: str, s3: S3Server) -> client.Registry:
    return client.locate(url, remote="minio", remote_config={"endpointurl": s3.url})


def training_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    assert dvc(path, "init", "-q").returncode == 0
    return path


def remote_args(s3: S3Server) -> list[str]:
    return ["--remote", "minio", "--remote-config", f"endpointurl={s3.url}"]


def rows(path: Path) -> int:
    return int(pq.read_metadata(path).num_rows)


def test_dvc_get_import_and_update_pin_exact_versions(
    url: str, s3: S3Server, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    repo = training_repo(tmp_path / "train")
    got = dvc(
        repo, "get", url, f"data/{DS}/processed", "--rev", V1, "-o", "v1", *remote_args(s3), **consumer_env
    )
    assert got.returncode == 0, got.stderr
    assert rows(repo / "v1" / "train" / "train.parquet") == ROWS["1.0.0"]

    (repo / "data").mkdir()  # dvc import writes its .dvc file beside -o: the folder must exist
    imported = dvc(
        repo,
        "import",
        url,
        f"data/{DS}/processed",
        "--rev",
        V1,
        "-o",
        "data/ds",
        *remote_args(s3),
        **consumer_env,
    )
    assert imported.returncode == 0, imported.stderr
    assert f"rev: {V1}" in (repo / "data" / "ds.dvc").read_text()
    assert rows(repo / "data" / "ds" / "train" / "train.parquet") == ROWS["1.0.0"]

    updated = dvc(repo, "update", "--rev", V2, "data/ds.dvc", **consumer_env)
    assert updated.returncode == 0, updated.stderr
    assert f"rev: {V2}" in (repo / "data" / "ds.dvc").read_text()
    assert rows(repo / "data" / "ds" / "train" / "train.parquet") == ROWS["1.1.0"]


def test_dvc_api_reads_a_tag_and_points_at_its_s3_object(
    url: str, s3: S3Server, consumer_env: dict[str, str]
) -> None:
    import dvc.api

    options = {"repo": url, "rev": V1, "remote": "minio", "remote_config": {"endpointurl": s3.url}}
    raw = dvc.api.read(TRAIN, mode="rb", **options)
    remote_url = dvc.api.get_url(TRAIN, **options)

    assert pq.read_table(io.BytesIO(raw)).num_rows == ROWS["1.0.0"]
    digest = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    assert remote_url == f"s3://{BUCKET}/files/md5/{digest[:2]}/{digest[2:]}"


def test_client_lists_resolves_and_names_missing_versions(url: str, consumer_env: dict[str, str]) -> None:
    assert client.versions(DS, url) == ["1.0.0", "1.1.0"]
    assert client.resolve(DS, "latest", url) == "1.1.0"
    assert client.resolve(DS, "1.0", url) == "1.0.0"
    with pytest.raises(UnknownVersion, match=r"versions: 1\.0\.0, 1\.1\.0"):
        client.resolve(DS, "2.0.0", url)

    document = client.metadata(DS, "1.0.0", url)
    assert (document["version"], document["tag"], document["splits"]["train"]) == ("1.0.0", V1, 4000)


def test_client_reads_pandas_and_arrow_then_serves_them_from_its_cache(
    url: str, s3: S3Server, consumer_env: dict[str, str]
) -> None:
    registry = remote_for(url, s3)
    frame = client.read_pandas(DS, "1.0.0", "train", registry)
    table = client.read_arrow(DS, "1.1", "val", registry)
    assert len(frame) == ROWS["1.0.0"] and table.num_rows == 300
    assert table.schema.metadata and b"class_names" in table.schema.metadata

    s3.stop()  # a cached version needs neither the remote nor git
    try:
        assert client.read_arrow(DS, "1.0.0", "train", registry).num_rows == ROWS["1.0.0"]
    finally:
        s3.start()


RAY_TRAINING_SCRIPT = """
import json, sys
import ray
from data_registry import client

url, endpoint = sys.argv[1:]
ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
try:
    registry = client.locate(url, remote="minio", remote_config={"endpointurl": endpoint})
    dataset = client.read_ray("synthetic-tabular", "1.1.0", "train", registry)
    print(json.dumps({"rows": dataset.count(), "columns": dataset.schema().names}))
finally:
    ray.shutdown()
"""


def test_ray_dataset_reads_the_split_from_s3(url: str, s3: S3Server, consumer_env: dict[str, str]) -> None:
    # A training script of its own, as consumers run it: Ray Data keeps per-process state that
    # would outlive ray.shutdown() and poison later Ray sessions in this pytest process.
    result = subprocess.run(
        [sys.executable, "-c", RAY_TRAINING_SCRIPT, url, s3.url],
        env={**tool_env(), **consumer_env, "RAY_AUTH_MODE": "disabled"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["rows"] == ROWS["1.1.0"]
    assert "target" in read["columns"]


def test_mlflow_run_records_registry_tag_and_outs_hash(
    url: str, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        with mlflow.start_run() as run:
            client.log_to_mlflow(DS, "1.0", url, split="train")
        recorded = mlflow.get_run(run.info.run_id)
    finally:
        mlflow.set_tracking_uri(None)
    processed_hash = client.outs(DS, "1.0.0", url)[f"data/{DS}/processed"]
    [logged] = recorded.inputs.dataset_inputs
    assert logged.dataset.digest == processed_hash
    assert json.loads(logged.dataset.source) == {
        "url": url,
        "tag": V1,
        "path": f"data/{DS}/processed/train",
    }
    assert recorded.data.params[f"dataset.{DS}.version"] == "1.0.0"
    assert recorded.data.params[f"dataset.{DS}.tag"] == V1


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["data-registry", *args],
        capture_output=True,
        text=True,
        env=tool_env(**env),
    )


def test_cli_list_show_diff_get_and_a_missing_version(
    url: str, s3: S3Server, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    listed = json.loads(cli("list", "--repo", url, "--json", env=consumer_env).stdout)
    assert listed == [
        {
            "kind": "dataset",
            "name": DS,
            "dataset": DS,
            "latest": "1.1.0",
            "versions": 2,
            "rows": 1500,
            "files": None,
            "size_bytes": listed[0]["size_bytes"],
        }
    ]
    shown = json.loads(cli("show", DS, "--version", "1.0", "--repo", url, "--json", env=consumer_env).stdout)
    assert shown["metadata"]["version"] == "1.0.0" and shown["card"].startswith("#")
    changes = json.loads(cli("diff", DS, "1.0.0", "1.1.0", "--repo", url, "--json", env=consumer_env).stdout)
    assert changes["params"] == {"n_samples": {"old": 5000, "new": 1500, "change": -3500}}
    assert changes["rows"]["train"] == {"old": 4000, "new": 1200, "change": -2800}
    assert_readable_show_and_diff(url, shown["metadata"], consumer_env)

    out = tmp_path / "val-only"
    got = cli("get", DS, "--version", "1.1.0", "--split", "val", "--out", str(out), "--repo", url,
              *remote_args(s3), env=consumer_env)  # fmt: skip
    assert got.returncode == 0, got.stderr
    assert [path.name for path in out.rglob("*.parquet")] == ["val.parquet"]

    missing = cli(
        "get", DS, "--version", "3.0", "--out", str(tmp_path / "none"), "--repo", url, env=consumer_env
    )
    assert missing.returncode == 2 and not (tmp_path / "none").exists()
    assert missing.stderr.strip().splitlines() == [
        f"error: {DS} has no version '3.0' in {url} (versions: 1.0.0, 1.1.0) "
        "(pick one of the versions listed, `latest`, or a prefix such as 1.2)"
    ]


def assert_readable_show_and_diff(url: str, document: dict[str, Any], env: dict[str, str]) -> None:
    """The text views: show's metrics one row each with a column per split; diff of a one-param
    change names only the groups and keys that changed, --all every one; all in 80 columns."""
    text = cli("show", DS, "--version", "1.0", "--repo", url, env=env).stdout
    table = text.split("\nmetrics:\n")[1].split("\nquality checks:")[0].splitlines()
    assert table[0].split() == ["metric", "train", "val"]
    names = {key.split(".", 1)[1] for key in flatten(document["metrics"])}
    rows = [line.split() for line in table[2:] if line.strip()]
    assert sorted(row[0] for row in rows) == sorted(names)  # one row per metric
    assert all(len(row) == 3 for row in rows)  # a value for train and one for val

    changed = cli("diff", DS, "1.0.0", "1.1.0", "--repo", url, env=env).stdout
    groups = [line for line in changed.splitlines() if line.endswith(" changed")]
    assert [group.split(":")[0] for group in groups] == ["params", "rows", "metrics", "files"]
    assert ["n_samples", "5000", "1500", "-3500"] in [line.split() for line in changed.splitlines()]
    assert "seed" not in changed and "schema" not in changed and "passed " not in changed
    everything = cli("diff", DS, "1.0.0", "1.1.0", "--all", "--repo", url, env=env).stdout
    assert "params: 1 changed, " in everything and "schema: 0 changed, 22 unchanged" in everything
    assert ["seed", "42", "42", "="] in [line.split() for line in everything.splitlines()]
    assert len(everything.splitlines()) > len(changed.splitlines())
    for lines in (table, changed.splitlines(), everything.splitlines()):
        assert max(len(line) for line in lines) <= 80


def test_verify_reads_every_object_back_and_catches_a_corrupt_one(
    url: str, s3: S3Server, consumer_env: dict[str, str]
) -> None:
    good = cli(
        "verify", DS, "--version", "1.1.0", "--repo", url, "--json", *remote_args(s3), env=consumer_env
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["ok"] is True

    digest = client.outs(DS, "1.0.0", url)[f"data/{DS}/raw/synthetic.parquet"]
    key = f"files/md5/{digest[:2]}/{digest[2:]}"
    original = s3.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    s3.client().put_object(Bucket=BUCKET, Key=key, Body=original[:-10])
    try:
        with pytest.raises(RemoteError, match="1 corrupt"):
            client.verify(DS, "1.0.0", remote_for(url, s3))
    finally:
        s3.client().put_object(Bucket=BUCKET, Key=key, Body=original)


def test_rollback_checks_out_the_old_tag_bytes_without_running_a_stage(
    registry: Path, s3: S3Server, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(registry), str(clone))
    dvc(clone, "remote", "modify", "--local", "minio", "endpointurl", s3.url)
    fetched = dvc(clone, "fetch", "-r", "minio", "--all-tags", **CREDENTIALS)
    assert fetched.returncode == 0, fetched.stderr

    for tag, version in ((V1, "1.0.0"), (V2, "1.1.0"), (V1, "1.0.0")):
        git(clone, "-c", "advice.detachedHead=false", "checkout", "-q", tag)
        restored = dvc(clone, "checkout", f"pipelines/{DS}/dvc.yaml")
        assert restored.returncode == 0, restored.stderr
        assert rows(clone / TRAIN) == ROWS[version]
        expected = client.outs(DS, version, registry)[f"data/{DS}/raw/synthetic.parquet"]
        raw = (clone / f"data/{DS}/raw/synthetic.parquet").read_bytes()
        assert hashlib.md5(raw, usedforsecurity=False).hexdigest() == expected
        status = dvc(clone, "status", f"pipelines/{DS}/dvc.yaml")
        assert "up to date" in status.stdout, status.stdout  # nothing to rerun: no stage ran or would
