"""A real S3 endpoint for tests: moto's server on a fixed local port, stoppable and restartable."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import urllib.request
from collections.abc import Iterator

import boto3
from moto.server import ThreadedMotoServer

BUCKET = "dvcstore"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class S3Server:
    """Moto keeps objects in process-wide memory: `start` after `stop` brings the same store
    back (a restarted MinIO), `reset` empties it (a fresh one per test)."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.client().create_bucket(Bucket=BUCKET)

    def reset(self) -> None:
        """Forget every object from earlier tests: same md5s would otherwise skip uploads."""
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")).close()
        self.client().create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        )

    def object_keys(self) -> set[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def env(self) -> dict[str, str]:
        """What the wrapper needs to use this server as the `minio` remote."""
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url, "DVC_REMOTE": "minio"}


@contextlib.contextmanager
def running_s3() -> Iterator[S3Server]:
    """An S3 server with an empty `dvcstore` bucket, stopped when the block ends."""
    server = S3Server()
    server.start()
    server.reset()
    try:
        yield server
    finally:
        server.stop()


class OutageProxy:
    """A TCP proxy in front of S3 that goes down after N uploads have started.

    It lets a test take S3 away in the middle of a push (some objects written, the
    rest refused) and bring it back with what was written still there.
    """

    def __init__(self, upstream_port: int, cut_after_puts: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._upstream = upstream_port
        self._cut_after = cut_after_puts
        self._puts = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.cut = threading.Event()

    def start(self, cut_after_puts: int | None = None) -> None:
        if cut_after_puts is not None:
            self._cut_after, self._puts = cut_after_puts, 0
        self.cut.clear()
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and reset the open ones, like a crashed server."""
        self.cut.set()
        with self._lock:
            sockets, self._sockets = self._sockets, []
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self.cut.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._upstream))
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                if from_client and chunk.startswith(b"PUT "):
                    with self._lock:
                        self._puts += 1
                        cut = self._puts > self._cut_after
                    if cut:
                        self.stop()
                        return
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
