"""A local HTTP server for tests: serves a folder on 127.0.0.1, counts requests, fails on demand.

with serve(folder) as server:
    server.fail("train-images-idx3-ubyte.gz", times=2)      # two 503s, then the file
    fetch(server.url + "train-images-idx3-ubyte.gz", dest)
    assert server.requests["train-images-idx3-ubyte.gz"] == 3
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class FileServer:
    """State shared with the handler threads: request counts and pending failures per path."""

    def __init__(self, httpd: ThreadingHTTPServer) -> None:
        self._httpd = httpd
        self._lock = threading.Lock()
        self._failures: dict[str, list[HTTPStatus]] = {}
        self._truncations: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. http://127.0.0.1:40123/."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def fail(self, path: str, times: int, status: int = HTTPStatus.SERVICE_UNAVAILABLE) -> None:
        """Answer the next `times` requests for `path` (relative to the folder) with `status`."""
        with self._lock:
            self._failures[path.lstrip("/")] = [HTTPStatus(status)] * times

    def truncate(self, path: str, times: int) -> None:
        """Send only half of `path` (with the full Content-Length) on the next `times` requests."""
        with self._lock:
            self._truncations[path.lstrip("/")] = times

    def _record(self, path: str) -> tuple[HTTPStatus | None, bool]:
        """Count a request; the failure status to answer with, and whether to cut the body short."""
        with self._lock:
            self.requests[path] += 1
            pending = self._failures.get(path)
            if pending:
                return pending.pop(0), False
            if self._truncations[path] > 0:
                self._truncations[path] -= 1
                return None, True
            return None, False


class _Handler(SimpleHTTPRequestHandler):
    server_state: FileServer

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path).lstrip("/")
        status, truncate = self.server_state._record(path)
        if status is not None:
            self.send_error(status)
        elif truncate:
            self._send_half(Path(self.translate_path(self.path)).read_bytes())
        else:
            super().do_GET()

    def _send_half(self, body: bytes) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: pytest output stays readable."""


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[FileServer]:
    """Serve `folder` on an ephemeral port for the duration of the block."""
    # A subclass per server, so two servers in one test keep separate counts.
    handler_class: type[_Handler] = type("Handler", (_Handler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler_class, directory=str(folder)))
    state = FileServer(httpd)
    handler_class.server_state = state
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="test-file-server", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
