"""Environment parameters: the only module that reads os.environ or `.env.<name>` files.

Everything here describes *where* a pipeline runs (endpoints, devices, worker
counts), never *what* it produces, so none of it may reach params.yaml or a
dataset hash. Precedence, lowest first: `.env.<name>`, `.env.<name>.local`
(git-ignored, for secrets), the real process environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from data_registry.core.errors import UsageError

ENV_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
_QUOTED = re.compile(r"""(["'])(.*)\1(?:\s+#.*)?""")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class Settings:
    """Typed view of the environment; secrets are kept out of repr so they never reach logs."""

    root: Path
    env_name: str | None
    home: Path
    dvc_remote: str | None
    aws_endpoint_url: str | None
    mirror: str | None
    database_url: str | None = field(repr=False)  # DSNs and tracking URIs may embed passwords
    mlflow_tracking_uri: str = field(repr=False)
    ray_address: str | None
    hf_endpoint: str | None
    embedding_device: str
    embedding_batch_size: int
    embedding_workers: int
    github_token: str | None = field(default=None, repr=False)
    pghost: str | None = None  # set → libpq's PG* variables name the serving Postgres
    client_cache: Path = field(default_factory=lambda: Path("~/.cache/data-registry").expanduser())
    verbose: bool = False  # DATA_REGISTRY_VERBOSE=1 (`-v`): library output on the terminal, not in logs/

    @property
    def local_remote_dir(self) -> Path:
        return self.home / "dvc-remote"


def parse_env_file(text: str) -> dict[str, str]:
    """Parse KEY=VALUE lines as docker compose does: comments, `export`, optional quotes."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise UsageError(f"line {number} of an env file is not KEY=VALUE: {line.strip()[:40]!r}")
        key, value = match.groups()
        quoted = _QUOTED.fullmatch(value)
        values[key] = quoted.group(2) if quoted else value.split(" #", 1)[0].rstrip()
    return values


def env_file_values(root: Path, env_name: str | None) -> dict[str, str]:
    """Values from `.env.<name>` then `.env.<name>.local`; empty when no env is chosen."""
    if not env_name:
        return {}
    if not ENV_NAME_PATTERN.fullmatch(env_name):
        raise UsageError(f"invalid environment name {env_name!r}", "use docker or minikube")
    path = root / f".env.{env_name}"
    if not path.is_file():
        raise UsageError(
            f"no environment file .env.{env_name} in {root}",
            "choose one of the committed .env.* files with --env or DATA_REGISTRY_ENV",
        )
    values = parse_env_file(path.read_text())
    local = root / f".env.{env_name}.local"
    if local.is_file():
        values.update(parse_env_file(local.read_text()))
    return values


def export_environment(root: Path, env_name: str | None = None) -> Settings:
    """Load the chosen env files into os.environ (real variables win) and return the settings.

    Exporting is deliberate: DVC stages run as child processes and must see the
    same environment as the wrapper that started them.
    """
    chosen = env_name or os.environ.get("DATA_REGISTRY_ENV") or None
    for key, value in env_file_values(root, chosen).items():
        os.environ.setdefault(key, value)
    if chosen:
        os.environ["DATA_REGISTRY_ENV"] = chosen
    settings = load(root)
    # Stages run with their pipeline folder as cwd: pin the state dir absolutely.
    os.environ["DATA_REGISTRY_HOME"] = str(settings.home)
    return settings


def load(root: Path, environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("DATA_REGISTRY_HOME") or ".registry").expanduser()
    if not home.is_absolute():
        home = (root / home).resolve()
    return Settings(
        root=root,
        env_name=env.get("DATA_REGISTRY_ENV") or None,
        home=home,
        dvc_remote=env.get("DVC_REMOTE") or None,
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        mirror=env.get("DATA_REGISTRY_MIRROR") or None,
        database_url=env.get("DATABASE_URL") or None,
        mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home / 'mlflow.db'}",
        ray_address=env.get("RAY_ADDRESS") or None,
        hf_endpoint=env.get("HF_ENDPOINT") or None,
        embedding_device=env.get("EMBEDDING_DEVICE") or "auto",
        embedding_batch_size=_positive_int(env, "EMBEDDING_BATCH_SIZE", 64),
        embedding_workers=_positive_int(env, "EMBEDDING_WORKERS", os.cpu_count() or 1),
        github_token=env.get("GITHUB_TOKEN") or None,
        pghost=env.get("PGHOST") or None,
        client_cache=_client_cache(env),
        verbose=verbose(env),
    )


def verbose(environ: Mapping[str, str] | None = None) -> bool:
    """Whether library noise (Ray, model loading, warnings) is shown rather than logged."""
    env = os.environ if environ is None else environ
    return env.get("DATA_REGISTRY_VERBOSE", "").strip().lower() in {"1", "true", "yes"}


def _client_cache(env: Mapping[str, str]) -> Path:
    """Where consumers keep materialised versions: tags are immutable, so it never goes stale."""
    if env.get("DATA_REGISTRY_CACHE"):
        return Path(env["DATA_REGISTRY_CACHE"]).expanduser().resolve()
    base = Path(env.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
    return (base / "data-registry").resolve()


def _positive_int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(
            f"{key}={raw!r} is not a positive integer", f"unset {key} or set it to e.g. {default}"
        )
    return value
