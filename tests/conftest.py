from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.repo import make_registry
from tests.support.s3 import S3Server, running_s3


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A fresh registry git repo holding a copy of this project, committed on main."""
    return make_registry(tmp_path / "registry")


@pytest.fixture
def s3() -> Iterator[S3Server]:
    """A running moto S3 server with an empty `dvcstore` bucket; stopped after the test."""
    with running_s3() as server:
        yield server
