"""The effective remote: one rule for a checkout and for a registry given as a git URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from data_registry.core import dvc, settings

CONFIG = """[core]
    remote = local
['remote "local"']
    url = ../.registry/dvc-remote
['remote "minio"']
    url = s3://dvcstore
    endpointurl = http://localhost:9000
['remote "gcs"']
    url = gs://bucket/path
"""
ENDPOINT = "http://127.0.0.1:5555"


def _registry(root: Path) -> Path:
    (root / ".dvc").mkdir(parents=True)
    (root / ".dvc" / "config").write_text(CONFIG)
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", ".dvc/config"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "registry"],
        ["git", "tag", "ds-v1.0.0"],
    ):
        subprocess.run(command, cwd=root, check=True)
    return root


def test_a_checkout_and_its_git_url_get_the_same_overrides(tmp_path: Path) -> None:
    root = _registry(tmp_path / "registry")
    env = settings.load(
        tmp_path, environ={"AWS_ENDPOINT_URL": ENDPOINT, "DATA_REGISTRY_HOME": str(tmp_path / "home")}
    )

    from_checkout = dvc.Access(str(root), settings=env).overrides("ds-v1.0.0")
    from_url = dvc.Access(f"file://{root}", settings=env).overrides("ds-v1.0.0")

    assert (
        from_checkout
        == from_url
        == {
            "remote": {
                "local": {"url": str(tmp_path / "home" / "dvc-remote")},
                "minio": {"endpointurl": ENDPOINT},  # s3 only: the gs remote is left as committed
            }
        }
    )


def test_no_environment_means_no_overrides(tmp_path: Path) -> None:
    root = _registry(tmp_path / "registry")

    assert dvc.Access(str(root), settings=settings.load(root, environ={})).overrides("ds-v1.0.0") is None
    assert dvc.Access(str(root)).overrides("ds-v1.0.0") is None
