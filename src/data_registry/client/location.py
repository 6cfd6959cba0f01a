"""Which registry a consumer reads, and how DVC reaches its data.

A registry is a local checkout or a git URL. Everything the client does goes
through a `Registry`, whose `access` carries the remote choice and the environment
to `data_registry.core.dvc`, which applies the same remote overrides (`remotes`) the
wrapper does: a consumer reads where the wrapper pushed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_registry.core import redact, settings
from data_registry.core.datasets import find_root
from data_registry.core.dvc import Access
from data_registry.core.settings import Settings


@dataclass(frozen=True)
class Registry:
    """A registry location plus the DVC options that reach its remote."""

    url: str
    remote: str | None = None
    remote_config: dict[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)
    cache: Path = field(default=Path(), compare=False)
    environment: Settings | None = field(default=None, compare=False, repr=False)

    @property
    def local_root(self) -> Path | None:
        """The checkout folder when the registry is one on this machine (git show beats a clone)."""
        path = Path(self.url)
        return path if path.is_absolute() and (path / ".git").exists() else None

    @property
    def public_url(self) -> str:
        """The URL without credentials, safe for logs, MLflow and error messages."""
        return redact.url(self.url)

    @property
    def access(self) -> Access:
        """What `data_registry.core.dvc` needs to reach this registry's effective remote."""
        return Access(self.url, self.remote, self.remote_config, self.environment)

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
    """A `Registry` for `repo` (default: the checkout around the current folder). A checkout's
    own settings (its .env) decide its overrides; for a git URL, the current folder's do."""
    if isinstance(repo, Registry):
        return repo
    env = settings.load(Path.cwd())
    chosen = remote or env.dvc_remote
    if repo is None or (Path(repo) / ".dvc").is_dir():
        root = find_root(Path(repo) if repo is not None else None)
        return Registry(str(root), chosen, remote_config, env.client_cache, settings.load(root))
    return Registry(str(repo), chosen, remote_config, env.client_cache, env)
