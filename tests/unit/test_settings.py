"""data_registry.core.settings: env files, their precedence, and typed values that never leak secrets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data_registry.core import settings
from data_registry.core.errors import UsageError

REGISTRY_KEYS = (
    "DATA_REGISTRY_ENV",
    "DATA_REGISTRY_HOME",
    "DVC_REMOTE",
    "AWS_ENDPOINT_URL",
    "DATABASE_URL",
    "MLFLOW_TRACKING_URI",
    "EMBEDDING_BATCH_SIZE",
    "GITHUB_TOKEN",
)


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private copy of os.environ without the registry's variables, restored after the test."""
    copy = {key: value for key, value in os.environ.items() if key not in REGISTRY_KEYS}
    monkeypatch.setattr(os, "environ", copy)
    return copy


def test_env_file_skips_comments_and_blank_lines_and_accepts_export() -> None:
    text = "# endpoints for the devcontainer\n\nexport DVC_REMOTE=minio\n   # indented comment\nA=1\n"

    assert settings.parse_env_file(text) == {"DVC_REMOTE": "minio", "A": "1"}


def test_env_file_strips_matching_quotes_and_keeps_what_is_inside() -> None:
    text = "DOUBLE=\"a b # not a comment\"\nSINGLE='x=y'\nMIXED=\"z'\n"

    assert settings.parse_env_file(text) == {
        "DOUBLE": "a b # not a comment",
        "SINGLE": "x=y",
        "MIXED": "\"z'",
    }


def test_env_file_drops_an_inline_comment_after_an_unquoted_value() -> None:
    text = "AWS_ENDPOINT_URL=http://minio:9000  # the compose service\nFRAGMENT=page#top\n"

    assert settings.parse_env_file(text) == {
        "AWS_ENDPOINT_URL": "http://minio:9000",
        "FRAGMENT": "page#top",
    }


def test_env_file_trims_spaces_around_key_and_value_and_allows_empty_values() -> None:
    assert settings.parse_env_file("  KEY =  value  \nEMPTY=\n") == {"KEY": "value", "EMPTY": ""}


def test_env_file_line_that_is_not_key_value_is_refused_with_its_number() -> None:
    with pytest.raises(UsageError, match="line 2"):
        settings.parse_env_file("A=1\nnot a pair\n")


def test_local_env_file_overrides_the_committed_one(tmp_path: Path) -> None:
    (tmp_path / ".env.docker").write_text("DVC_REMOTE=minio\nDATABASE_URL=postgresql://db/registry\n")
    (tmp_path / ".env.docker.local").write_text("DATABASE_URL=postgresql://me:secret@db/registry\n")

    assert settings.env_file_values(tmp_path, "docker") == {
        "DVC_REMOTE": "minio",
        "DATABASE_URL": "postgresql://me:secret@db/registry",
    }


def test_no_env_name_reads_no_file(tmp_path: Path) -> None:
    (tmp_path / ".env.docker").write_text("DVC_REMOTE=minio\n")

    assert settings.env_file_values(tmp_path, None) == {}


def test_unknown_env_name_is_an_error_naming_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.env\.staging") as raised:
        settings.env_file_values(tmp_path, "staging")

    assert raised.value.exit_code == 2
    assert "--env" in raised.value.hint


@pytest.mark.parametrize("name", ["../secrets", "Docker", "-x", "a b"])
def test_env_name_that_could_escape_the_root_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="invalid environment name"):
        settings.env_file_values(tmp_path, name)


def test_real_environment_wins_over_both_env_files(tmp_path: Path, environ: dict[str, str]) -> None:
    (tmp_path / ".env.docker").write_text("DVC_REMOTE=minio\nAWS_ENDPOINT_URL=http://minio:9000\n")
    (tmp_path / ".env.docker.local").write_text("DVC_REMOTE=from-local-file\n")
    environ["AWS_ENDPOINT_URL"] = "http://localhost:9999"

    loaded = settings.export_environment(tmp_path, "docker")

    assert loaded.dvc_remote == "from-local-file"
    assert loaded.aws_endpoint_url == "http://localhost:9999"
    assert loaded.env_name == "docker"
    assert environ["DVC_REMOTE"] == "from-local-file"
    assert environ["DATA_REGISTRY_ENV"] == "docker"


def test_env_name_comes_from_data_registry_env_when_not_given(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    (tmp_path / ".env.minikube").write_text("DVC_REMOTE=minio\n")
    environ["DATA_REGISTRY_ENV"] = "minikube"

    assert settings.export_environment(tmp_path).dvc_remote == "minio"


def test_export_pins_the_state_dir_as_an_absolute_path_for_stages(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    environ["DATA_REGISTRY_HOME"] = "state"

    loaded = settings.export_environment(tmp_path)

    assert loaded.home == (tmp_path / "state").resolve()
    assert environ["DATA_REGISTRY_HOME"] == str((tmp_path / "state").resolve())


def test_relative_home_is_resolved_against_the_registry_root(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path, {"DATA_REGISTRY_HOME": "state/../var"})

    assert loaded.home == (tmp_path / "var").resolve()
    assert loaded.local_remote_dir == loaded.home / "dvc-remote"


def test_home_defaults_to_dot_registry_and_holds_the_mlflow_db(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path, {})

    assert loaded.home == tmp_path / ".registry"
    assert loaded.mlflow_tracking_uri == f"sqlite:///{tmp_path / '.registry' / 'mlflow.db'}"


def test_absolute_and_home_relative_state_dirs_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))

    assert settings.load(tmp_path, {"DATA_REGISTRY_HOME": "/srv/registry"}).home == Path("/srv/registry")
    assert settings.load(tmp_path, {"DATA_REGISTRY_HOME": "~/reg"}).home == tmp_path / "user" / "reg"


def test_empty_variables_fall_back_to_the_embedded_defaults(tmp_path: Path) -> None:
    loaded = settings.load(tmp_path, {"DVC_REMOTE": "", "EMBEDDING_BATCH_SIZE": "", "DATABASE_URL": ""})

    assert loaded.dvc_remote is None
    assert loaded.database_url is None
    assert loaded.embedding_batch_size == 64
    assert loaded.embedding_device == "auto"


def test_batch_size_is_read_as_an_integer(tmp_path: Path) -> None:
    assert settings.load(tmp_path, {"EMBEDDING_BATCH_SIZE": "128"}).embedding_batch_size == 128


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5"])
def test_batch_size_that_is_not_a_positive_integer_is_refused(tmp_path: Path, raw: str) -> None:
    with pytest.raises(UsageError, match="EMBEDDING_BATCH_SIZE") as raised:
        settings.load(tmp_path, {"EMBEDDING_BATCH_SIZE": raw})

    assert "EMBEDDING_BATCH_SIZE" in raised.value.one_line()


@pytest.mark.parametrize(
    ("key", "attribute", "value"),
    [
        ("GITHUB_TOKEN", "github_token", "ghp_do-not-print-me-0123456789"),
        ("DATABASE_URL", "database_url", "postgresql://registry:do-not-print-me@db:5432/registry"),
        ("MLFLOW_TRACKING_URI", "mlflow_tracking_uri", "https://me:do-not-print-me@mlflow.example.com"),
    ],
)
def test_settings_repr_never_shows_a_secret_it_holds(
    tmp_path: Path, key: str, attribute: str, value: str
) -> None:
    """Settings reach logs and tracebacks (a frame's locals); a token or a password in a DSN must not."""
    loaded = settings.load(tmp_path, {key: value})

    assert getattr(loaded, attribute) == value
    assert "do-not-print-me" not in repr(loaded)
    assert "do-not-print-me" not in str(loaded)
    assert "do-not-print-me" not in f"{loaded!r} {[loaded]}"
