"""Markdown documents of a set of repositories: collected from a GitHub-like API or a local
folder, stored as plain files named `<repository>/<path>` beside a sorted manifest.

Names and manifest hold nothing run-specific (no timestamps), and each file carries the
last upstream commit that touched it, so an unchanged upstream gives unchanged bytes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from data_registry.core.atomic import atomic_dir
from data_registry.core.errors import CorruptSource, ParamsError

if TYPE_CHECKING:
    import pyarrow as pa

    from data_registry.core.settings import Settings
    from data_registry.sources.github import GitHubClient

MANIFEST = "manifest.json"
FILES = "files"


@dataclass(frozen=True)
class Document:
    repository: str
    path: str
    commit: str | None
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def name(self) -> str:
        """`repository/path`: how questions and search results name a document."""
        return f"{self.repository}/{self.path}"


def collect(source: Mapping[str, Any], pipeline_dir: Path, settings: Settings) -> list[Document]:
    """The documents `source` (the `source:` block of params.yaml) names."""
    from data_registry.sources.github import GitHubClient

    patterns = list(source.get("include") or ["*.md"])
    limits = int(source.get("max_files_per_repository", 100)), int(source.get("max_file_bytes", 1_000_000))
    kind = source.get("kind")
    if kind == "local":
        folder = pipeline_dir / str(source["path"])
        return from_folder(folder, patterns, *limits, repositories=list(source.get("repositories") or []))
    if kind == "github":
        client = GitHubClient(str(source["api_url"]), settings.github_token)
        return from_github(
            client, str(source["org"]), list(source.get("repositories") or []), patterns, *limits
        )
    raise ParamsError(f"unknown source.kind {kind!r}", "use github or local")


def from_github(
    client: GitHubClient,
    org: str,
    repositories: Sequence[str],
    patterns: Sequence[str],
    max_files: int,
    max_bytes: int,
) -> list[Document]:
    """The named repositories of `org` (all of them when none are named), at their default branch."""
    names = [f"{org}/{name}" for name in repositories] or client.organisation_repositories(org)
    documents: list[Document] = []
    for repository in sorted(names):
        head = client.head_commit(repository)
        for path, blob_sha in client.markdown_files(repository, head, patterns)[:max_files]:
            content = client.blob(repository, blob_sha)
            if len(content) <= max_bytes:
                commit = client.last_commit(repository, path, head)
                documents.append(Document(repository, path, commit, _decode(content, repository, path)))
    return documents


def from_folder(
    folder: Path, patterns: Sequence[str], max_files: int, max_bytes: int, repositories: Sequence[str] = ()
) -> list[Document]:
    """`<folder>/<repository>/**` with each first-level folder a repository (only those named in
    `repositories`, when any are: a checkout's own docs without its virtualenv or data); no
    commits known."""
    if not folder.is_dir():
        raise ParamsError(
            f"source folder {folder} does not exist", "set source.path to a folder of repositories"
        )
    documents: list[Document] = []
    wanted = set(repositories)
    for repository in sorted(
        entry for entry in folder.iterdir() if entry.is_dir() and (not wanted or entry.name in wanted)
    ):
        matching = sorted(
            path.relative_to(repository).as_posix()
            for path in repository.rglob("*")
            if path.is_file()
            and any(fnmatch.fnmatch(path.relative_to(repository).as_posix(), p) for p in patterns)
        )
        for path in matching[:max_files]:
            content = (repository / path).read_bytes()
            if len(content) <= max_bytes:
                documents.append(
                    Document(repository.name, path, None, _decode(content, repository.name, path))
                )
    return documents


def write_raw(documents: Iterable[Document], folder: Path) -> None:
    """Replace `folder` whole with the files and their manifest."""
    ordered = sorted(documents, key=lambda document: (document.repository, document.path))
    with atomic_dir(folder) as staging:
        for document in ordered:
            target = staging / FILES / _safe_relative(document.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(document.text.encode())
        entries = [
            {"repository": d.repository, "path": d.path, "commit": d.commit, "sha256": d.sha256}
            for d in ordered
        ]
        (staging / MANIFEST).write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")


def read_raw(folder: Path) -> list[Document]:
    try:
        entries = json.loads((folder / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CorruptSource(f"cannot read {folder / MANIFEST}: {error}") from error
    documents = []
    for entry in entries:
        text = (folder / FILES / _safe_relative(f"{entry['repository']}/{entry['path']}")).read_text()
        document = Document(entry["repository"], entry["path"], entry["commit"], text)
        if document.sha256 != entry["sha256"]:
            raise CorruptSource(f"{document.name} does not match its manifest checksum")
        documents.append(document)
    return documents


def to_table(documents: Sequence[Document]) -> pa.Table:
    import pyarrow as pa

    return pa.table(
        {
            "repository": pa.array([d.repository for d in documents], pa.string()),
            "path": pa.array([d.path for d in documents], pa.string()),
            "commit": pa.array([d.commit for d in documents], pa.string()),
            "sha256": pa.array([d.sha256 for d in documents], pa.string()),
            "text": pa.array([d.text for d in documents], pa.string()),
        }
    )


def manifest(documents: Sequence[Document]) -> dict[str, dict[str, str | None]]:
    """`repository/path` → upstream commit and content hash, for metadata.json."""
    return {d.name: {"commit": d.commit, "sha256": d.sha256} for d in documents}


def _safe_relative(name: str) -> Path:
    """A repository-relative path that cannot climb out of the raw folder."""
    parts = PurePosixPath(name).parts
    if not parts or any(part in ("..", "") or part.startswith("/") for part in parts):
        raise CorruptSource(f"refusing the unsafe file name {name!r}")
    return Path(*parts)


def _decode(content: bytes, repository: str, path: str) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorruptSource(f"{repository}/{path} is not UTF-8 text") from error
