"""The effective DVC remote: what the environment changes in a registry's committed remotes.

The committed `.dvc/config` (plus `config.local`, where credentials live) names the remotes;
the environment moves them: the `local` remote follows DATA_REGISTRY_HOME, an S3 remote's
endpoint follows AWS_ENDPOINT_URL. The wrapper, `dvc get` of an upstream, the client, verify
and Ray reads all open DVC through `data_registry.core.dvc`, which applies these overrides, so
every reader reaches the remote the wrapper pushed to.

A new remote type (gs, azure, ssh, ...) needs nothing unless the environment should move it:
then it gets one entry in `_BY_SCHEME`, here and nowhere else.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from data_registry.core.settings import Settings

LOCAL_REMOTE = "local"

# Per URL scheme: the settings the environment overrides in a remote of that type.
_BY_SCHEME: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "s3": lambda settings: {"endpointurl": settings.aws_endpoint_url} if settings.aws_endpoint_url else {},
}


def remote_overrides(settings: Settings, name: str, section: Mapping[str, Any]) -> dict[str, Any]:
    """What the environment changes in one remote (name and committed section)."""
    if name == LOCAL_REMOTE and settings.home != (settings.root / ".registry").resolve():
        return {"url": str(settings.local_remote_dir)}
    scheme = urllib.parse.urlsplit(str(section.get("url", ""))).scheme
    rule = _BY_SCHEME.get(scheme)
    return rule(settings) if rule else {}


def config_overrides(settings: Settings, remotes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """DVC `config=` overrides for these remotes ({name: section}); {} when nothing changes."""
    overrides = {
        name: changed
        for name, section in remotes.items()
        if (changed := remote_overrides(settings, name, section))
    }
    return {"remote": overrides} if overrides else {}
