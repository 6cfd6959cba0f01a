from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from data_registry.core import settings
from data_registry.core.errors import ChecksumMismatch, DownloadError
from data_registry.sources import download
from tests.support.http_server import FileServer, serve

PAYLOAD = b"fashion" * 1000
MD5 = hashlib.md5(PAYLOAD, usedforsecurity=False).hexdigest()
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
FAST: dict[str, Any] = {"backoff": 0.01, "timeout": 5.0}


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    served = tmp_path_factory.mktemp("served")
    (served / "file.bin").write_bytes(PAYLOAD)
    (served / "other.bin").write_bytes(b"other")
    with serve(served) as running:
        yield running


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_fetch_writes_file_when_checksums_match(server: FileServer, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "file.bin"
    fetched = download.fetch(server.url + "file.bin", dest, md5=MD5, sha256=SHA256, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert (fetched.path, fetched.size, fetched.md5, fetched.sha256) == (dest, len(PAYLOAD), MD5, SHA256)
    assert leftovers(dest.parent) == ["file.bin"]


@pytest.mark.parametrize("checksum", [{"md5": "0" * 32}, {"sha256": "0" * 64}])
def test_checksum_mismatch_keeps_nothing(
    server: FileServer, tmp_path: Path, checksum: dict[str, Any]
) -> None:
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(ChecksumMismatch) as caught:
        download.fetch(server.url + "file.bin", dest, **checksum, **FAST)
    message = caught.value.one_line()
    assert "checksum mismatch" in message and "0" * 32 in message and "file.bin" in message
    assert MD5 in message or SHA256 in message
    assert leftovers(dest.parent) == []
    assert server.requests["file.bin"] == 1  # a wrong checksum is not retried


def test_transient_503_is_retried_until_it_succeeds(server: FileServer, tmp_path: Path) -> None:
    server.fail("file.bin", times=2)
    dest = tmp_path / "file.bin"
    download.fetch(server.url + "file.bin", dest, md5=MD5, retries=3, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert server.requests["file.bin"] == 3


def test_truncated_body_is_retried(server: FileServer, tmp_path: Path) -> None:
    server.truncate("file.bin", times=1)
    download.fetch(server.url + "file.bin", tmp_path / "file.bin", md5=MD5, **FAST)
    assert (tmp_path / "file.bin").read_bytes() == PAYLOAD
    assert server.requests["file.bin"] == 2


def test_429_is_retried(server: FileServer, tmp_path: Path) -> None:
    server.fail("file.bin", times=1, status=429)
    download.fetch(server.url + "file.bin", tmp_path / "file.bin", md5=MD5, **FAST)
    assert server.requests["file.bin"] == 2


def test_transient_errors_give_up_after_the_retries(server: FileServer, tmp_path: Path) -> None:
    server.fail("file.bin", times=10)
    with pytest.raises(DownloadError, match=r"after 3 attempts: HTTP 503"):
        download.fetch(server.url + "file.bin", tmp_path / "file.bin", retries=2, **FAST)
    assert server.requests["file.bin"] == 3
    assert leftovers(tmp_path) == []


def test_404_fails_at_once(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        download.fetch(server.url + "missing.bin", tmp_path / "missing.bin", retries=5, **FAST)
    assert not isinstance(caught.value, ChecksumMismatch)
    assert server.requests["missing.bin"] == 1
    assert leftovers(tmp_path) == []


def test_unreachable_host_is_a_download_error(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(DownloadError, match=r"after 2 attempts: ConnectionError"):
        download.fetch(f"http://127.0.0.1:{port}/file.bin", tmp_path / "file.bin", retries=1, **FAST)


def test_url_without_a_scheme_is_a_download_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"cannot download mirror\.example/file\.bin: MissingSchema"):
        download.fetch("mirror.example/file.bin", tmp_path / "file.bin", **FAST)


def test_mirror_replaces_the_canonical_host(server: FileServer, tmp_path: Path) -> None:
    mirror = settings.load(tmp_path, environ={"DATA_REGISTRY_MIRROR": server.url}).mirror
    url = download.resolve_url("http://canonical.invalid/data/", "file.bin", mirror)
    assert url == server.url + "file.bin"
    download.fetch(url, tmp_path / "file.bin", md5=MD5, **FAST)
    assert server.requests["file.bin"] == 1


@pytest.mark.parametrize(
    ("base", "mirror", "expected"),
    [
        ("http://host/a/", None, "http://host/a/f.gz"),
        ("http://host/a", None, "http://host/a/f.gz"),
        ("http://host/a/", "https://mirror.example/m", "https://mirror.example/m/f.gz"),
        ("http://host/a/", "", "http://host/a/f.gz"),
        ("http://host/a/", "https://u:p@mirror.example/m/?sig=x", "https://u:p@mirror.example/m/f.gz?sig=x"),
        ("http://host", None, "http://host/f.gz"),
    ],
)
def test_resolve_url_joins_base_and_name(base: str, mirror: str | None, expected: str) -> None:
    assert download.resolve_url(base, "f.gz", mirror) == expected


def test_errors_never_show_query_tokens(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as caught:
        download.fetch(server.url + "missing.bin?token=s3cret", tmp_path / "m.bin", **FAST)
    assert "s3cret" not in caught.value.one_line()


def test_remote_files_reads_a_params_source_block() -> None:
    source = {
        "base_url": "http://canonical.invalid/",
        "files": {"b": {"name": "b.gz", "md5": "bb"}, "a": {"name": "a.gz", "sha256": "aa"}},
    }
    assert download.remote_files(source, "http://mirror.invalid") == [
        download.RemoteFile("a.gz", "http://mirror.invalid/a.gz", sha256="aa"),
        download.RemoteFile("b.gz", "http://mirror.invalid/b.gz", md5="bb"),
    ]


def test_fetch_all_keeps_no_file_when_one_fails(server: FileServer, tmp_path: Path) -> None:
    files = [
        download.RemoteFile("file.bin", server.url + "file.bin", md5=MD5),
        download.RemoteFile("other.bin", server.url + "other.bin", md5="0" * 32),
    ]
    with pytest.raises(ChecksumMismatch):
        download.fetch_all(files, tmp_path / "raw", **FAST)
    assert leftovers(tmp_path) == []


def test_fetch_all_replaces_the_folder_whole(server: FileServer, tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "stale.bin").write_bytes(b"old")
    files = [download.RemoteFile("file.bin", server.url + "file.bin", md5=MD5)]
    fetched = download.fetch_all(files, tmp_path / "raw", **FAST)
    assert [item.path for item in fetched] == [tmp_path / "raw" / "file.bin"]
    assert leftovers(tmp_path / "raw") == ["file.bin"]
    assert leftovers(tmp_path) == ["raw"]


def test_retry_delay_grows_exponentially_and_honours_retry_after() -> None:
    assert [download.retry_delay(attempt, 0.5) for attempt in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert download.retry_delay(0, 0.5, requested=3.0) == 3.0
    assert download.retry_delay(10, 1.0) == download.MAX_DELAY
