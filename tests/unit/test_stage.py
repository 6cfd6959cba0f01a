from __future__ import annotations

import pytest

from data_registry import stage
from data_registry.errors import ChecksumMismatch


def test_publish_request_reads_the_run_facts_the_wrapper_passes() -> None:
    request = stage.publish_request(["--tag", "emotion-v1.2.0", "--version", "1.2.0"])

    assert request == stage.PublishRequest(tag="emotion-v1.2.0", version="1.2.0")


def test_publish_request_without_a_tag_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        stage.publish_request(["--version", "1.2.0"])

    assert exit_info.value.code == 2


def test_a_registry_error_in_a_step_is_one_line_and_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    def step() -> None:
        raise ChecksumMismatch("checksum mismatch for http://host/file.gz")

    with pytest.raises(SystemExit) as exit_info:
        stage.run(step)

    assert exit_info.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: checksum mismatch for http://host/file.gz ({ChecksumMismatch.hint})"
    ]
