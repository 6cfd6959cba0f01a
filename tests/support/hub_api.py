"""A local stand-in for the Hugging Face Hub: the two API calls `data-registry pin` makes through
huggingface_hub, and the resolve URLs the pipelines download from.

    hub = HubRepo("dair-ai/emotion", branches={"main": SHA})
    hub.add_file(SHA, "split/train-00000-of-00001.parquet", data, lfs=True)
    with serve_hub([hub]) as url:      # HF_ENDPOINT=url
        ...

* `GET /api/datasets/<repo>/revision/<ref>` → `{"id", "sha"}` (404 RevisionNotFound for an unknown ref)
* `POST /api/datasets/<repo>/paths-info/<sha>` (form field `paths`, repeated) → the files found,
  with `lfs: {oid, size, pointerSize}` for LFS files, as the hub lists them
* `GET /datasets/<repo>/resolve/<sha>/<path>` → the bytes
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

API = re.compile(r"/api/datasets/(?P<repo>[^/]+/[^/]+)/(?P<call>revision|paths-info)/(?P<ref>[^/]+)")
RESOLVE = re.compile(r"/datasets/(?P<repo>[^/]+/[^/]+)/resolve/(?P<ref>[^/]+)/(?P<path>.+)")


@dataclass
class HubRepo:
    """A dataset repo: branch/tag names → commit, and each commit's files (path → bytes, is LFS)."""

    name: str
    branches: dict[str, str]
    files: dict[str, dict[str, tuple[bytes, bool]]] = field(default_factory=dict)

    def add_file(self, commit: str, path: str, data: bytes, lfs: bool = True) -> str:
        self.files.setdefault(commit, {})[path] = (data, lfs)
        return hashlib.sha256(data).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    repos: dict[str, HubRepo]
    requests: Counter[str]

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.requests[path] += 1
        if match := API.fullmatch(path):
            self._revision(match["repo"], match["ref"])
        elif match := RESOLVE.fullmatch(path):
            self._resolve(match["repo"], match["ref"], match["path"])
        else:
            self._error(HTTPStatus.NOT_FOUND, "EntryNotFound")

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.requests[path] += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        match = API.fullmatch(path)
        if not match or match["call"] != "paths-info":
            self._error(HTTPStatus.NOT_FOUND, "EntryNotFound")
            return
        repo = self.repos.get(match["repo"])
        if repo is None or match["ref"] not in repo.files:
            self._error(HTTPStatus.NOT_FOUND, "RevisionNotFound")
            return
        wanted = parse_qs(body).get("paths", [])
        found = [_path_info(p, *repo.files[match["ref"]][p]) for p in wanted if p in repo.files[match["ref"]]]
        self._json(found)

    def _revision(self, name: str, ref: str) -> None:
        repo = self.repos.get(name)
        if repo is None:
            self._error(HTTPStatus.UNAUTHORIZED, "RepoNotFound")
            return
        sha = repo.branches.get(ref, ref if ref in repo.files else None)
        if sha is None:
            self._error(HTTPStatus.NOT_FOUND, "RevisionNotFound")
            return
        self._json({"id": name, "sha": sha, "private": False})

    def _resolve(self, name: str, ref: str, path: str) -> None:
        repo = self.repos.get(name)
        entry = repo.files.get(ref, {}).get(path) if repo else None
        if entry is None:
            self._error(HTTPStatus.NOT_FOUND, "EntryNotFound")
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Length", str(len(entry[0])))
        self.end_headers()
        self.wfile.write(entry[0])

    def _json(self, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, code: str) -> None:
        body = json.dumps({"error": code}).encode()
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: pytest output stays readable."""


def _path_info(path: str, data: bytes, lfs: bool) -> dict[str, Any]:
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    info: dict[str, Any] = {"type": "file", "path": path, "size": len(data), "oid": blob}
    if lfs:
        info["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130}
    return info


@contextlib.contextmanager
def serve_hub(repos: list[HubRepo]) -> Iterator[tuple[str, Counter[str]]]:
    """Serve the repos on an ephemeral port: yields (endpoint URL without trailing slash, request counts)."""
    counts: Counter[str] = Counter()
    handler = type("Handler", (_Handler,), {"repos": {r.name: r for r in repos}, "requests": counts})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        yield f"http://{host!s}:{port}", counts
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
