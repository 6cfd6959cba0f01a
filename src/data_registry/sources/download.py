"""HTTP downloads for every pipeline: pinned checksums, retries, atomic writes, progress.

A file reaches its destination only after its checksum matched, so a truncated
or tampered download never looks like a source. Transient failures (connection
errors, timeouts, HTTP 5xx and 429) are retried with exponential backoff; a
client error such as 404 will not fix itself and fails at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from data_registry import __version__
from data_registry.core import redact
from data_registry.core.atomic import atomic_dir, atomic_path
from data_registry.core.errors import ChecksumMismatch, DownloadError, ParamsError

DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 1.0
DEFAULT_TIMEOUT = 60.0
MAX_DELAY = 60.0
CHUNK_SIZE = 1 << 20
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# Errors worth another try: the network or the server, not the request. The body is
# read from urllib3 directly (see _stream_to), so its errors arrive unwrapped.
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    ProtocolError,
    ReadTimeoutError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: where from, the file name it gets, and the checksums it must have."""

    name: str
    url: str
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Fetched:
    """What was written, with both digests so callers can record them without rereading."""

    path: Path
    size: int
    md5: str
    sha256: str


class _Transient(Exception):
    """A failed attempt that may succeed when retried; `delay` is a server's Retry-After, if any."""

    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


def resolve_url(base_url: str, name: str, mirror: str | None = None) -> str:
    """URL of `name` under the canonical base, or under the mirror when one is set.

    The mirror is an environment parameter (DATA_REGISTRY_MIRROR): it changes
    where bytes come from, never which bytes, since checksums stay pinned.
    """
    parts = urlsplit(mirror or base_url)
    # The name goes into the path; a query (e.g. a container-level SAS token) stays a query.
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/{name.lstrip('/')}"))


def remote_files(source: Mapping[str, Any], mirror: str | None = None) -> list[RemoteFile]:
    """The files of a params.yaml `source:` block (`base_url`, `files: {key: {name, md5}}`), sorted by key."""
    files = source["files"]
    return [
        RemoteFile(
            name=entry["name"],
            url=resolve_url(source["base_url"], entry["name"], mirror),
            md5=entry.get("md5"),
            sha256=entry.get("sha256"),
        )
        for _, entry in sorted(files.items())
    ]


def require_pinned(files: Iterable[RemoteFile], trust_on_first_use: bool = False) -> None:
    """Refuse to fetch a file whose checksum params.yaml does not pin.

    Without a pin any bytes would be accepted and become a version. Trust on first
    use is an explicit opt-in (a params key) for sources whose checksums are not
    published: the first download's digests are then recorded in metadata.json and
    belong in params.yaml before the next version.
    """
    unpinned = [file.name for file in files if not (file.md5 or file.sha256)]
    if unpinned and not trust_on_first_use:
        raise ParamsError(
            f"no checksum pinned for {', '.join(unpinned)}",
            "run `data-registry pin <dataset>` to write each file's sha256 into params.yaml, "
            "or set source.trust_on_first_use: true to accept and record the first download",
        )
    for name in unpinned:
        log.warning("%s: no pinned checksum; trusting this first download", name)


def new_session() -> requests.Session:
    session = requests.Session()
    # Identity encoding: checksums are of the file as published, not of a re-encoded stream.
    session.headers.update({"User-Agent": f"data-registry/{__version__}", "Accept-Encoding": "identity"})
    return session


def fetch(
    url: str,
    dest: Path,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
) -> Fetched:
    """Download `url` to `dest`; `dest` appears only once the checksums matched.

    Raises ChecksumMismatch (nothing kept) or DownloadError (after `retries`
    retries for transient failures, at once for other HTTP errors).
    """
    if session is None:
        with new_session() as own:
            return fetch(
                url,
                dest,
                md5=md5,
                sha256=sha256,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
                session=own,
            )
    for attempt in range(retries + 1):
        try:
            return _fetch_once(session, url, dest, md5=md5, sha256=sha256, timeout=timeout)
        except _Transient as failure:
            if attempt == retries:
                raise DownloadError(
                    f"download of {redact.url(url)} failed after {attempt + 1} attempts: {failure}"
                ) from failure
            delay = retry_delay(attempt, backoff, failure.delay)
            log.warning("%s: %s; retrying in %.1f s", redact.url(url), failure, delay)
            time.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def fetch_all(files: Iterable[RemoteFile], folder: Path, **options: Any) -> list[Fetched]:
    """Fetch every file into `folder`, which appears whole or not at all.

    Files land in a staging folder beside `folder`, renamed into place at the
    end, so a failure on the last file leaves no earlier file pretending to be
    a complete download. `options` are passed on to `fetch`.
    """
    with atomic_dir(folder) as staging, new_session() as session:
        options.setdefault("session", session)
        fetched = [
            fetch(file.url, staging / file.name, md5=file.md5, sha256=file.sha256, **options)
            for file in files
        ]
    return [Fetched(folder / item.path.name, item.size, item.md5, item.sha256) for item in fetched]


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file already on disk, read in chunks: for lineage of what was fetched."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_pinned(
    files: list[RemoteFile], folder: Path, *, trust_on_first_use: bool = False, **options: Any
) -> list[Fetched]:
    """`require_pinned`, then `fetch_all`, naming each file's size and sha256 on stderr: the
    values to pin after a first-use download, and a record of what a stage accepted."""
    require_pinned(files, trust_on_first_use)
    fetched = fetch_all(files, folder, **options)
    for item in fetched:
        print(f"fetched {item.path.name} ({item.size} bytes, sha256 {item.sha256})", file=sys.stderr)
    return fetched


def retry_delay(attempt: int, backoff: float, requested: float | None = None) -> float:
    """Exponential backoff (backoff, 2x, 4x, ...), stretched to a server's Retry-After, capped."""
    return min(max(backoff * 2**attempt, requested or 0.0), MAX_DELAY)


def _fetch_once(
    session: requests.Session, url: str, dest: Path, *, md5: str | None, sha256: str | None, timeout: float
) -> Fetched:
    try:
        with session.get(url, stream=True, timeout=timeout) as response:
            _check_status(response, url)
            with atomic_path(dest) as tmp:
                size, digests = _stream_to(response, tmp, url)
                _verify(url, digests, md5=md5, sha256=sha256)
    # Only the error's type is shown: requests' messages repeat the URL, query (tokens) included.
    except TRANSIENT_ERRORS as error:
        raise _Transient(type(error).__name__) from error
    except requests.RequestException as error:  # e.g. a mirror without http(s)://
        raise DownloadError(f"cannot download {redact.url(url)}: {type(error).__name__}") from error
    return Fetched(dest, size, digests["md5"].hexdigest(), digests["sha256"].hexdigest())


def _check_status(response: requests.Response, url: str) -> None:
    if response.status_code < 400:
        return
    reason = f"HTTP {response.status_code} {response.reason}".strip()
    if response.status_code in TRANSIENT_STATUS:
        raise _Transient(reason, _retry_after(response))
    raise DownloadError(f"download of {redact.url(url)} failed: {reason}")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _stream_to(response: requests.Response, path: Path, url: str) -> tuple[int, dict[str, Any]]:
    """Write the body as sent (no content decoding) while hashing it; check it arrived whole."""
    digests: dict[str, Any] = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256()}
    length = response.headers.get("Content-Length", "")
    expected = int(length) if length.isdigit() else None
    size = 0
    with path.open("wb") as out, _progress(redact.url(url).rsplit("/", 1)[-1], expected) as advance:
        for chunk in response.raw.stream(CHUNK_SIZE, decode_content=False):
            out.write(chunk)
            for digest in digests.values():
                digest.update(chunk)
            size += len(chunk)
            advance(len(chunk))
    if expected is not None and size != expected:
        raise _Transient(f"connection closed after {size} of {expected} bytes")
    return size, digests


def _verify(url: str, digests: Mapping[str, Any], *, md5: str | None, sha256: str | None) -> None:
    for name, expected in (("md5", md5), ("sha256", sha256)):
        actual = digests[name].hexdigest()
        if expected and actual != expected.lower():
            raise ChecksumMismatch(
                f"checksum mismatch for {redact.url(url)}: expected {name} {expected}, got {actual}"
            )


@contextlib.contextmanager
def _progress(label: str, total: int | None) -> Iterator[Any]:
    """A transient rich bar on stderr; silent when stderr is not a terminal (CI, dvc logs)."""
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    console = Console(stderr=True)
    with Progress(
        *Progress.get_default_columns()[:-1],
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda amount: progress.advance(task, amount)
