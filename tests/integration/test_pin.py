"""`data-registry pin` against local stand-ins: a hub API (through huggingface_hub and HF_ENDPOINT)
and a plain HTTP host (through the shared downloader and DATA_REGISTRY_MIRROR)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.http_server import serve
from tests.support.hub_api import HubRepo, serve_hub
from tests.support.repo import dvc, git, tool_env
from tests.support.sources import emotion_texts, write_hf_parquet, write_wine_csv

FIRST, SECOND = "1" * 40, "ab" * 20
FILES = {
    "train": "split/train-00000-of-00001.parquet",
    "val": "split/validation-00000-of-00001.parquet",
    "test": "split/test-00000-of-00001.parquet",
}


def pin(registry: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "data-registry"), "pin", *args, "--repo", str(registry)]
    return subprocess.run(command, env=tool_env(**env), capture_output=True, text=True, cwd=registry)


def params_of(registry: Path, dataset: str) -> dict:
    return yaml.safe_load((registry / "pipelines" / dataset / "params.yaml").read_text())


def emotion_repo(tmp_path: Path) -> tuple[HubRepo, dict[str, str]]:
    """`main` at FIRST: train and val stored with LFS, test as a plain git blob (no LFS sha256)."""
    hub = HubRepo("dair-ai/emotion", branches={"main": FIRST})
    digests = {}
    for seed, (key, path) in enumerate(FILES.items()):
        texts, labels = emotion_texts(30, seed)
        local = tmp_path / "files" / path
        write_hf_parquet(local, [f"{text} #{key}{i}" for i, text in enumerate(texts)], labels)
        digests[key] = hub.add_file(FIRST, path, local.read_bytes(), lfs=key != "test")
    return hub, digests


def test_pin_writes_commit_and_sha256_then_run_accepts_them(registry: Path, tmp_path: Path) -> None:
    hub, digests = emotion_repo(tmp_path)
    params_file = registry / "pipelines" / "emotion" / "params.yaml"
    with serve_hub([hub]) as (endpoint, requests):
        pinned = pin(registry, "emotion", HF_ENDPOINT=endpoint)
        assert pinned.returncode == 0, pinned.stderr
        assert f"emotion: source.revision (unset) -> {FIRST}" in pinned.stdout
        source = params_of(registry, "emotion")["source"]
        assert source["revision"] == FIRST
        assert {key: entry["sha256"] for key, entry in source["files"].items()} == digests
        # The plain-blob file was downloaded and hashed; the LFS files were not downloaded.
        assert requests[f"/datasets/dair-ai/emotion/resolve/{FIRST}/{FILES['test']}"] == 1
        assert requests[f"/datasets/dair-ai/emotion/resolve/{FIRST}/{FILES['train']}"] == 0
        assert "# Label i is classes[i]" in params_file.read_text()  # comments kept

        # After pin, the pipeline runs as it is: its download checks every pinned sha256.
        git(registry, "commit", "-q", "-am", "pin emotion")
        repro = dvc(registry, "repro", "-s", "pipelines/emotion/dvc.yaml:download", HF_ENDPOINT=endpoint)
        assert repro.returncode == 0, repro.stdout + repro.stderr

        # Existing pins are kept until --update, which moves them to what `main` names now.
        texts, labels = emotion_texts(12, 99)
        new_train = tmp_path / "new" / "train.parquet"
        write_hf_parquet(new_train, texts, labels)
        hub.files[SECOND] = dict(hub.files[FIRST])
        changed = hub.add_file(SECOND, FILES["train"], new_train.read_bytes())
        hub.branches["main"] = SECOND
        before = params_file.read_bytes()
        kept = pin(registry, "emotion", HF_ENDPOINT=endpoint)
        assert kept.returncode == 0, kept.stderr
        assert "emotion: already pinned (kept 4 existing pins; --update replaces them)" in kept.stdout
        assert params_file.read_bytes() == before
        moving = pin(registry, "emotion", "--revision", "main", HF_ENDPOINT=endpoint)
        assert moving.returncode == 2
        assert moving.stderr.startswith("error: source.revision is pinned already (111111111111)")
        assert params_file.read_bytes() == before

        updated = pin(registry, "emotion", "--update", HF_ENDPOINT=endpoint)
        assert updated.returncode == 0, updated.stderr
    assert updated.stdout.splitlines() == [
        f"emotion: source.revision {FIRST} -> {SECOND}",
        f"emotion: source.files.train.sha256 {digests['train']} -> {changed}",
    ]
    assert params_of(registry, "emotion")["source"]["files"]["val"]["sha256"] == digests["val"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--revision", "no-such-branch"],
            "error: dair-ai/emotion has no branch, tag or commit 'no-such-branch'",
        ),
        (["--revision", "main", "--update"], "is not a file of dair-ai/emotion"),
    ],
)
def test_pin_refuses_unknown_revision_or_path_in_one_line(
    registry: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    hub, _ = emotion_repo(tmp_path)
    del hub.files[FIRST][FILES["val"]]
    before = (registry / "pipelines" / "emotion" / "params.yaml").read_bytes()
    with serve_hub([hub]) as (endpoint, _):
        result = pin(registry, "emotion", *args, HF_ENDPOINT=endpoint)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(message) or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (registry / "pipelines" / "emotion" / "params.yaml").read_bytes() == before


def test_pin_with_an_unreachable_hub_fails_in_one_line(registry: Path) -> None:
    before = (registry / "pipelines" / "emotion" / "params.yaml").read_bytes()
    result = pin(registry, "emotion", HF_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the hub for dair-ai/emotion: ConnectError")
    assert len(result.stderr.strip().splitlines()) == 1
    assert (registry / "pipelines" / "emotion" / "params.yaml").read_bytes() == before


def test_pin_hashes_plain_http_files_through_the_mirror_and_lists_the_rest(
    registry: Path, tmp_path: Path
) -> None:
    host = tmp_path / "uci"
    digests = {
        "red": write_wine_csv(host / "winequality-red.csv", 40, seed=1),
        "white": write_wine_csv(host / "winequality-white.csv", 50, seed=2),
    }
    emotion, _ = emotion_repo(tmp_path)  # the hub stand-in lacks roco-radiology's repo
    radiology_params = (registry / "pipelines" / "roco-radiology" / "params.yaml").read_bytes()
    with serve(host) as server, serve_hub([emotion]) as (endpoint, _):
        server.fail("winequality-white.csv", times=1)  # retried by the shared downloader
        result = pin(registry, "--all", DATA_REGISTRY_MIRROR=server.url, HF_ENDPOINT=endpoint)
    # One dataset's failure is one line and a non-zero exit; the others are pinned all the same.
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: roco-radiology: no dataset unsloth/Radiology_mini on the hub (check source.repo in "
        "params.yaml (and HF_TOKEN if it is gated))",
        f"{server.url}winequality-white.csv: HTTP 503 Service Unavailable; retrying in 1.0 s",
    ]
    assert (registry / "pipelines" / "roco-radiology" / "params.yaml").read_bytes() == radiology_params
    files = params_of(registry, "wine-quality")["source"]["files"]
    assert {key: entry["sha256"] for key, entry in files.items()} == digests
    lines = result.stdout.splitlines()
    assert f"wine-quality: source.files.red.sha256 (unset) -> {digests['red']}" in lines
    # fashion-mnist's md5 values are published and pinned: nothing to resolve.
    assert "fashion-mnist: already pinned by the publisher's md5 checksums" in lines
    assert "synthetic-tabular: no source to pin" in lines
    assert f"emotion: source.revision (unset) -> {FIRST}" in lines
