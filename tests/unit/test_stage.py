from __future__ import annotations

import pytest

from data_registry.core import stage
from data_registry.core.errors import ChecksumMismatch


def test_a_registry_error_in_a_step_is_one_line_and_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    def step() -> None:
        raise ChecksumMismatch("checksum mismatch for http://host/file.gz")

    with pytest.raises(SystemExit) as exit_info:
        stage.run(step)

    assert exit_info.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: checksum mismatch for http://host/file.gz ({ChecksumMismatch.hint})"
    ]
