"""The devcontainer's MLflow server, started from its compose command and reached by name.

Since MLflow 3.5 the server answers 403 "Invalid Host header" unless the Host is localhost, a
private IP or one of `--allowed-hosts`; the workspace reaches it as `http://mlflow:5000`
(.env.docker). The command runs as compose writes it (paths moved into a temp dir, the
port free, bound to loopback) with the MLflow version of the compose image, in a venv of its
own (scripts/mlflow-server-venv.sh: the full `mlflow` caps pyarrow below this project's pin).
"""

from __future__ import annotations

import shlex
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from data_registry.core import settings
from tests.support.repo import PROJECT
from tests.support.s3 import free_port

COMPOSE = PROJECT / ".devcontainer" / "compose.yaml"


def compose_mlflow() -> dict[str, str]:
    service: dict[str, str] = yaml.safe_load(COMPOSE.read_text())["services"]["mlflow"]
    return service


def mlflow_executable() -> str:
    version = compose_mlflow()["image"].rsplit(":v", 1)[1]
    built = subprocess.run(
        ["bash", str(PROJECT / "scripts" / "mlflow-server-venv.sh"), version],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    return built.stdout.strip().splitlines()[-1]


def local_command(executable: str, state: Path, port: int) -> list[str]:
    """The compose command with its volume path, port and bind address made local."""
    words = shlex.split(compose_mlflow()["command"].replace("/mlflow/", f"{state}/"))
    assert words[:2] == ["mlflow", "server"]
    words[0] = executable
    words[words.index("--port") + 1] = str(port)
    words[words.index("--host") + 1] = "127.0.0.1"
    return words


def status_for(port: int, host: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/2.0/mlflow/experiments/search?max_results=1", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def compose_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    executable = mlflow_executable()
    state = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    log = (state / "server.log").open("w")
    server = subprocess.Popen(local_command(executable, state, port), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300  # ~80 s on two busy cores
        while True:
            try:
                status_for(port, "localhost")
                break
            except OSError:
                assert server.poll() is None, (state / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "MLflow did not start within 300 s"
                time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# The first run builds .venv-mlflow (~2 min) before the server starts.
@pytest.mark.timeout(900)
def test_compose_mlflow_answers_the_workspace_by_its_service_name(compose_server: int) -> None:
    uri = urlsplit(settings.parse_env_file((PROJECT / ".env.docker").read_text())["MLFLOW_TRACKING_URI"])
    assert uri.netloc == "mlflow:5000"

    assert status_for(compose_server, uri.netloc) == 200
    assert status_for(compose_server, "localhost:5000") == 200  # the forwarded port in a browser
    # The check is on, not switched off with "*": a name nobody uses is still refused.
    assert status_for(compose_server, "attacker.example:5000") == 403
