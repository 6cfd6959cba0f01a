from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repo import make_registry


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A fresh registry git repo holding a copy of this project, committed on main."""
    return make_registry(tmp_path / "registry")
