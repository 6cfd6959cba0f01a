"""One byte of `train.parquet` flipped in the DVC remote, the local cache dropped: every reader
(`data-registry get`, the client's reads, Ray's workers, the wrapper's pull) refuses the bytes
in one line and writes nothing, where plain `dvc get` would hand them over with exit 0 (issue 17, scenario 4).

One registry for the module: its version is made once by the wrapper and pushed to the local
remote and to a moto S3 `minio` remote; the fixture then corrupts the object in both.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_registry import client
from data_registry.core.errors import RegistryError
from tests.support.repo import dvc, make_registry, run_pipeline, tool_env
from tests.support.s3 import BUCKET, CREDENTIALS, S3Server, running_s3

pytestmark = pytest.mark.e2e
DS = "synthetic-tabular"
TAG = f"{DS}-v1.0.0"
TRAIN = f"data/{DS}/processed/train/train.parquet"


def train_digest(repo: Path) -> str:
    """train.parquet's md5 from the `.dir` listing the lock names (read before the cache goes)."""
    processed = client.outs(DS, "1.0.0", repo)[f"data/{DS}/processed"]
    listing = repo / ".dvc/cache/files/md5" / processed[:2] / processed[2:]
    [entry] = [item for item in json.loads(listing.read_text()) if item["relpath"] == "train/train.parquet"]
    return str(entry["md5"])


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, s3: S3Server) -> Path:
    """v1.0.0 in the local remote and in S3, its train.parquet object tampered in both."""
    repo = make_registry(tmp_path_factory.mktemp("tampered") / "registry")
    made = run_pipeline(repo, DS, "--json")
    assert made.returncode == 0, made.stderr
    assert dvc(repo, "remote", "modify", "--local", "minio", "endpointurl", s3.url).returncode == 0
    pushed = dvc(
        repo,
        "push",
        "-r",
        "minio",
        f"pipelines/{DS}/dvc.yaml",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    assert pushed.returncode == 0, pushed.stderr

    digest = train_digest(repo)
    local_object = repo / ".registry/dvc-remote/files/md5" / digest[:2] / digest[2:]
    local_object.chmod(0o644)
    local_object.write_bytes(flip_one_byte(local_object.read_bytes()))
    key = f"files/md5/{digest[:2]}/{digest[2:]}"
    original = s3.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    s3.client().put_object(Bucket=BUCKET, Key=key, Body=flip_one_byte(original))
    shutil.rmtree(repo / ".dvc/cache")
    return repo


@pytest.fixture
def consumer_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {**CREDENTIALS, "DATA_REGISTRY_CACHE": str(tmp_path / "client-cache")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("DVC_REMOTE", raising=False)
    return env


def assert_names_the_damage(message: str) -> None:
    assert "\n" not in message.strip()
    assert TAG in message and TRAIN in message and "data-registry verify" in message


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["data-registry", *args], capture_output=True, text=True, env=tool_env(**env))


def test_plain_dvc_get_delivers_the_tampered_bytes(registry: Path, tmp_path: Path) -> None:
    """The gap this module closes: DVC itself trusts the remote (documented in the README)."""
    out = tmp_path / "train.parquet"
    got = dvc(registry, "get", str(registry), TRAIN, "--rev", TAG, "-o", str(out))
    assert got.returncode == 0, got.stderr
    assert out.exists()


def test_get_refuses_a_tampered_object_and_leaves_no_folder(
    registry: Path, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    out = tmp_path / "got"
    got = cli("get", DS, "--version", "1.0.0", "--out", str(out), "--repo", str(registry), env=consumer_env)

    assert got.returncode != 0
    [line] = got.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert_names_the_damage(line)
    assert not out.exists() and not list(tmp_path.glob(".got*")), list(tmp_path.iterdir())
    hinted = cli("verify", DS, "--version", "1.0.0", "--repo", str(registry), env=consumer_env)
    assert hinted.returncode != 0 and "1 corrupt" in hinted.stderr, hinted.stderr


def test_client_reads_refuse_a_tampered_object_and_cache_nothing(
    registry: Path, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    from data_registry.client import torch_dataset

    readers = [client.read_pandas, client.read_arrow, client.split_files, torch_dataset]
    for read in readers:
        with pytest.raises(RegistryError) as raised:
            read(DS, "1.0.0", "train", str(registry))
        assert_names_the_damage(raised.value.one_line())
    cache = tmp_path / "client-cache"
    assert not cache.exists() or not [path for path in cache.rglob("*") if path.is_file()]
    # the untouched split still reads: only the damaged file is refused
    assert len(client.read_pandas(DS, "1.0.0", "val", str(registry))) == 1000


def test_client_refuses_a_tampered_s3_object_through_a_git_url(
    registry: Path, s3: S3Server, tmp_path: Path, consumer_env: dict[str, str]
) -> None:
    remote = client.locate(f"file://{registry}", remote="minio", remote_config={"endpointurl": s3.url})
    with pytest.raises(RegistryError) as raised:
        client.read_arrow(DS, "1.0.0", "train", remote)
    assert_names_the_damage(raised.value.one_line())
    cache = tmp_path / "client-cache"
    assert not cache.exists() or not [path for path in cache.rglob("*") if path.is_file()]


RAY_READ = """
import json, sys
import ray
from data_registry import client

url, endpoint, dataset = sys.argv[1:]
ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
try:
    registry = client.locate(url, remote="minio", remote_config={"endpointurl": endpoint})
    report = {"val": client.read_ray(dataset, "1.0.0", "val", registry).count()}
    try:
        report["rows"] = client.read_ray(dataset, "1.0.0", "train", registry).count()
    except Exception as error:  # Ray Data wraps the worker's error in its own
        report["error"] = str(error)
    print(json.dumps(report))
finally:
    ray.shutdown()
"""


def test_ray_workers_refuse_a_tampered_s3_object(
    registry: Path, s3: S3Server, consumer_env: dict[str, str]
) -> None:
    """Ray's workers read the objects straight from the remote; each checks its object's md5 before
    parsing it. A training script of its own: Ray Data's per-process state outlives ray.shutdown()."""
    read = subprocess.run(
        [sys.executable, "-c", RAY_READ, f"file://{registry}", s3.url, DS],
        env={**tool_env(**consumer_env), "RAY_AUTH_MODE": "disabled"},
        capture_output=True,
        text=True,
    )
    assert read.returncode == 0, read.stderr[-2000:]
    report = json.loads(read.stdout.strip().splitlines()[-1])
    assert report["val"] == 1000  # the untouched split reads
    assert "rows" not in report
    [line] = [line for line in report["error"].splitlines() if line.startswith("data_registry.")]
    assert line.startswith("data_registry.core.errors.CorruptObject: ")
    assert_names_the_damage(line)


def test_wrapper_pull_refuses_a_tampered_object_and_keeps_it_out_of_cache_and_workspace(
    registry: Path,
) -> None:
    shutil.rmtree(registry / ".dvc/cache", ignore_errors=True)
    shutil.rmtree(registry / f"data/{DS}/processed")
    digest = train_digest_from_remote(registry)
    stale = registry / ".dvc/tmp/verified-pull-killed"  # as a run killed mid-pull leaves it
    (stale / "files/md5/0e").mkdir(parents=True)

    run = run_pipeline(registry, DS)

    assert run.returncode != 0, run.stdout
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and TRAIN in errors[0] and "data-registry verify" in errors[0], run.stderr
    assert "unchanged" not in run.stdout
    assert not (registry / ".dvc/cache/files/md5" / digest[:2] / digest[2:]).exists()
    assert not (registry / TRAIN).exists()
    assert not list((registry / ".dvc/tmp").glob("verified-pull-*"))  # staging gone, stale one too

    # The README's repair: drop the damaged object and its folder's listing from the remote,
    # rerun (what the remote lacks is rebuilt, quietly), push; the version is whole again.
    processed = client.outs(DS, "1.0.0", registry)[f"data/{DS}/processed"]
    for name in (digest, processed):
        (registry / ".registry/dvc-remote/files/md5" / name[:2] / name[2:]).unlink()
    rebuilt = run_pipeline(registry, DS, "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["status"] == "unchanged"
    assert "ERROR" not in rebuilt.stderr, rebuilt.stderr
    assert hashlib.md5((registry / TRAIN).read_bytes(), usedforsecurity=False).hexdigest() == digest
    assert dvc(registry, "push", "-r", "local", f"pipelines/{DS}/dvc.yaml").returncode == 0
    assert client.verify(DS, "1.0.0", str(registry), remote="local").ok


def train_digest_from_remote(repo: Path) -> str:
    processed = client.outs(DS, "1.0.0", repo)[f"data/{DS}/processed"]
    listing = repo / ".registry/dvc-remote/files/md5" / processed[:2] / processed[2:]
    [entry] = [item for item in json.loads(listing.read_text()) if item["relpath"] == "train/train.parquet"]
    return str(entry["md5"])
