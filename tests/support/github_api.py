"""A fake GitHub REST API for tests: an organisation's repositories and their files, with
Link-header pagination, a required token, and rate limits on demand.

with serve_github({"acme/tool": {"README.md": "# Tool"}}, token="t0k") as api:
    api.rate_limit(times=1, retry_after=1)       # the next request gets a 429
    client = GitHubClient(api.url, token="t0k")
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def commit_of(repository: str, files: Mapping[str, str]) -> str:
    """A stable fake commit sha: changes exactly when a repository's files change."""
    return hashlib.sha1(json.dumps([repository, sorted(files.items())]).encode()).hexdigest()


def blob_sha(text: str) -> str:
    return hashlib.sha1(f"blob {len(text.encode())}\0{text}".encode()).hexdigest()


class FakeGitHub:
    def __init__(self, repositories: dict[str, dict[str, str]], token: str | None, per_page: int) -> None:
        self.repositories = repositories
        self.token = token
        self.per_page = per_page
        self.requests: Counter[str] = Counter()
        self.authorizations: set[str | None] = set()
        self._limits: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self.url = ""

    def rate_limit(self, times: int, retry_after: int | None = None, reset_in: int | None = None) -> None:
        """Answer the next `times` requests as rate-limited (429 Retry-After, or 403 with a reset)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if reset_in is not None:
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + reset_in)}
        with self._lock:
            self._limits.extend([headers] * times)

    def answer(
        self, path: str, query: dict[str, list[str]], authorization: str | None
    ) -> tuple[int, dict, Any]:
        with self._lock:
            self.requests[path] += 1
            self.authorizations.add(authorization)
            if self._limits:
                headers = self._limits.pop(0)
                return (429 if "Retry-After" in headers else 403), headers, {"message": "rate limited"}
        if self.token and authorization != f"Bearer {self.token}":
            return 401, {}, {"message": "Bad credentials"}
        parts = path.strip("/").split("/")
        if parts[0] == "orgs" and parts[2:] == ["repos"]:
            names = sorted(name for name in self.repositories if name.split("/")[0] == parts[1])
            items = [{"full_name": name, "fork": False, "archived": False} for name in names]
            return self._page(path, query, items)
        repository = "/".join(parts[1:3])
        files = self.repositories.get(repository)
        if parts[0] != "repos" or files is None:
            return 404, {}, {"message": "Not Found"}
        rest = parts[3:]
        head = commit_of(repository, files)
        if not rest:
            return 200, {}, {"full_name": repository, "default_branch": "main"}
        if rest == ["commits", "main"]:
            return 200, {}, {"sha": head}
        if rest == ["commits"]:
            wanted = query.get("path", [""])[0]
            return 200, {}, [{"sha": commit_of(f"{repository}:{wanted}", {wanted: files[wanted]})}]
        if rest[:2] == ["git", "trees"] and rest[2] == head:
            tree = [
                {"path": name, "type": "blob", "sha": blob_sha(text)} for name, text in sorted(files.items())
            ]
            return 200, {}, {"sha": head, "tree": tree}
        if rest[:2] == ["git", "blobs"]:
            for text in files.values():
                if blob_sha(text) == rest[2]:
                    content = base64.b64encode(text.encode()).decode()
                    return 200, {}, {"encoding": "base64", "content": content}
        return 404, {}, {"message": "Not Found"}

    def _page(self, path: str, query: dict[str, list[str]], items: list[Any]) -> tuple[int, dict, Any]:
        page = int(query.get("page", ["1"])[0])
        size = min(self.per_page, int(query.get("per_page", [str(self.per_page)])[0]))
        start = (page - 1) * size
        headers = {}
        if start + size < len(items):
            headers["Link"] = f'<{self.url}{path.lstrip("/")}?per_page={size}&page={page + 1}>; rel="next"'
        return 200, headers, items[start : start + size]


class _Handler(BaseHTTPRequestHandler):
    api: FakeGitHub

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        status, headers, body = self.api.answer(
            parts.path, parse_qs(parts.query), self.headers.get("Authorization")
        )
        payload = json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


@contextlib.contextmanager
def serve_github(
    repositories: dict[str, dict[str, str]], token: str | None = None, per_page: int = 2
) -> Iterator[FakeGitHub]:
    api = FakeGitHub(repositories, token, per_page)
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
