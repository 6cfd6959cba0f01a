"""Files of a Hugging Face Hub dataset repo at a pinned commit, as URLs the shared downloader fetches.

The hub serves every file of a revision at `<endpoint>/datasets/<repo>/resolve/<revision>/<path>`.
HF_ENDPOINT (an environment parameter, read by settings) replaces the public host the way
huggingface_hub itself honours it: a mirror, or the local server tests use. Lineage always
names the public host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data_registry.core import layout
from data_registry.core.errors import ParamsError
from data_registry.sources.download import RemoteFile, file_digest, resolve_url

PUBLIC_ENDPOINT = "https://huggingface.co"
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")


def revision_base(repo: str, revision: str, endpoint: str | None = None) -> str:
    """Base URL of a dataset repo's files at `revision`; the revision must be a full commit sha,
    since a branch such as `main` moves and would make the same params give other bytes."""
    if not isinstance(revision, str) or not COMMIT_SHA.fullmatch(revision):
        raise ParamsError(
            f"source.revision {revision!r} is not a 40-character commit sha",
            "run `data-registry pin <dataset>` to write the hub's current commit into params.yaml",
        )
    return f"{(endpoint or PUBLIC_ENDPOINT).rstrip('/')}/datasets/{repo}/resolve/{revision}/"


def remote_files(source: Mapping[str, Any], endpoint: str | None = None) -> list[RemoteFile]:
    """The `source.files` of params.yaml (`{key: {path, sha256}}`), each saved as `<key>.parquet`."""
    base = revision_base(source["repo"], source["revision"], endpoint)
    return [
        RemoteFile(
            name=layout.parquet_name(key), url=resolve_url(base, entry["path"]), sha256=entry.get("sha256")
        )
        for key, entry in sorted(source["files"].items())
    ]


def describe_source(source: Mapping[str, Any], raw: Path) -> dict[str, Any]:
    """The `source` section of metadata.json: public resolve URLs at the pinned commit (never the
    endpoint used) and the sha256 of each file fetched into `raw`."""
    files = {
        key: {"path": entry["path"], "url": remote.url, "sha256": file_digest(raw / remote.name)}
        for (key, entry), remote in zip(sorted(source["files"].items()), remote_files(source), strict=True)
    }
    return {**{key: value for key, value in source.items() if key != "files"}, "files": files}
