"""Which registry a consumer reads, and how DVC reaches its data.

A registry is a local checkout or a git URL. Everything the client does goes
through a `Registry`, so the remote choice and its environment overrides (the
`AWS_ENDPOINT_URL` a devcontainer sets, the local remote that follows
`DATA_REGISTRY_HOME`) are decided once, here.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_registry import settings
from data_registry.datasets import find_root
from data_registry.dvc import LOCAL_REMOTE, config_overrides


@dataclass(frozen=True)
class Registry:
    """A registry location plus the DVC options that reach its remote."""

    url: str
    remote: str | None = None
    remote_config: dict[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)
    cache: Path = field(default=Path(), compare=False)

    @property
    def local_root(self) -> Path | None:
        """The checkout folder when the registry is one on this machine (git show beats a clone)."""
        path = Path(self.url)
        return path if path.is_absolute() and (path / ".git").exists() else None

    @property
    def public_url(self) -> str:
        """The URL without credentials, safe for logs, MLflow and error messages."""
        parts = urllib.parse.urlsplit(self.url)
        if not parts.netloc or "@" not in parts.netloc:
            return self.url
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))

    def dvc_options(self) -> dict[str, Any]:
        """Keyword arguments for dvc.api functions and DVCFileSystem."""
        return {
            "repo": self.url,
            "remote": self.remote,
            "remote_config": self.remote_config,
            "config": _local_overrides(self.local_root) if self.local_root else None,
        }

    def cache_dir(self, tag: str) -> Path:
        """Per registry and tag: tags are immutable, so what is cached under one never changes."""
        key = hashlib.sha256(self.url.encode()).hexdigest()[:16]
        return self.cache / key / tag


def locate(
    repo: str | Path | Registry | None = None,
    *,
    remote: str | None = None,
    remote_config: dict[str, Any] | None = None,
) -> Registry:
    """A `Registry` for `repo` (default: the checkout around the current folder).

    For a git URL, `AWS_ENDPOINT_URL` becomes the chosen S3 remote's `endpointurl`,
    since a clone does not read the registry's config.local.
    """
    if isinstance(repo, Registry):
        return repo
    env = settings.load(Path.cwd())
    chosen = remote or env.dvc_remote
    if repo is None or (Path(repo) / ".dvc").is_dir():
        root = find_root(Path(repo) if repo is not None else None)
        return Registry(str(root), chosen, remote_config, env.client_cache)
    extra = dict(remote_config or {})
    if env.aws_endpoint_url and chosen and chosen != LOCAL_REMOTE:
        extra.setdefault("endpointurl", env.aws_endpoint_url)
    return Registry(str(repo), chosen, extra or None, env.client_cache)


def _local_overrides(root: Path) -> dict[str, Any] | None:
    """The same environment overrides the wrapper applies (local remote under DATA_REGISTRY_HOME,
    S3 endpoint from AWS_ENDPOINT_URL), so a consumer reads where the wrapper pushed."""
    from dvc.config import Config

    committed = Config(dvc_dir=str(root / ".dvc"))
    return config_overrides(settings.load(root), dict(committed["remote"])) or None
