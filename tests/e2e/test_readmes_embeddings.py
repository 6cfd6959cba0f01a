"""readmes from a fake GitHub API → readmes-embeddings on Ray → pgvector, through the wrapper."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
import pytest

from data_registry.core import settings
from data_registry.core.datasets import Dataset
from data_registry.formats import metadata
from data_registry.publish.pgvector import PgvectorPublisher
from tests.support.github_api import serve_github
from tests.support.postgres import embedded_postgres
from tests.support.readmes import ORG, QUESTIONS_YAML, REPOSITORIES
from tests.support.repo import git, run_pipeline, tags, tool_env

pytestmark = pytest.mark.e2e
TOKEN = "ghp_test_secret_token"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with embedded_postgres() as dsn:
        yield dsn


def run_ok(repo: Path, *args: str, **env: str) -> dict:
    result = run_pipeline(repo, *args, "--json", **env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_readmes_then_embeddings_are_versioned_published_and_searchable(
    registry: Path, database: str
) -> None:
    (registry / "pipelines/readmes-embeddings/questions.yaml").write_text(QUESTIONS_YAML)
    git(registry, "commit", "-q", "-am", "questions for the test corpus")
    env = {"DATABASE_URL": database, "EMBEDDING_WORKERS": "2", "GITHUB_TOKEN": TOKEN}

    with serve_github(REPOSITORIES, token=TOKEN) as api:
        api.rate_limit(times=1, retry_after=1)
        overrides = [
            "-S",
            f"source.api_url={api.url}",
            "-S",
            f"source.org={ORG}",
            "-S",
            "source.repositories=[]",
        ]
        readmes = run_ok(registry, "readmes", *overrides, **env)
    assert readmes["tag"] == "readmes-v1.0.0"
    documents = metadata.read(registry / "data/readmes/metadata.json")
    assert sorted(documents["source"]["files"]) == [
        "acme/breadbox/README.md",
        "acme/starchart/README.md",
        "acme/tidepool/README.md",
        "acme/tidepool/docs/moon.md",
    ]
    assert all(len(entry["commit"]) == 40 for entry in documents["source"]["files"].values())
    assert TOKEN not in (registry / "data/readmes/metadata.json").read_text()
    assert TOKEN not in git(registry, "log", "--format=%B", "-n", "3") + git(registry, "tag", "-n99")

    built = run_pipeline(registry, "readmes-embeddings", "--json", **env)
    assert built.returncode == 0, built.stderr[-3000:]
    created = json.loads(built.stdout)
    # Quiet by default: Ray's progress and worker messages and the weight-loading bar are in the log.
    for noise in ("Running Dataset", "max_restarts", "Loading weights", "Warning"):
        assert noise not in built.stderr
    assert "Running Dataset" in (registry / ".registry" / "logs" / "ray.log").read_text()
    assert (created["status"], created["tag"], created["published"]) == (
        "created",
        "readmes-embeddings-v1.0.0",
        True,
    )
    document = metadata.read(registry / "data/readmes-embeddings/metadata.json")
    assert document["upstream"]["tag"] == "readmes-v1.0.0"
    assert document["model"]["dimension"] == 384
    assert document["metrics"]["retrieval"]["hit_at_5"] == 1.0
    table = pq.read_table(registry / "data/readmes-embeddings/processed/chunks/chunks.parquet")
    assert str(table.schema.field("embedding").type) == "fixed_size_list<element: float>[384]"
    with psycopg.connect(database) as connection:
        served = connection.execute("SELECT version, rows FROM data_registry_served").fetchall()
        assert served == [("1.0.0", table.num_rows)]

    rechunked = run_ok(
        registry, "readmes-embeddings", "-S", "chunking.size=60", "-S", "chunking.overlap=10", **env
    )
    assert (rechunked["tag"], rechunked["published"]) == ("readmes-embeddings-v1.1.0", True)
    with psycopg.connect(database) as connection:
        assert connection.execute("SELECT version FROM data_registry_served").fetchall() == [("1.1.0",)]
    diff = cli(registry, env, "diff", "readmes-embeddings", "1.0.0", "1.1.0", "--json")
    assert "chunking.size" in diff["params"] and "chunks.lengths.mean" in diff["metrics"]

    # Only `chunking.size` changes: DVC's run cache ignores keys named `size` (dvc#10296) and
    # would restore the chunks of size 60 as if nothing changed.
    resized = run_ok(registry, "readmes-embeddings", "-S", "chunking.size=90", **env)
    assert (resized["tag"], resized["params_changes"]) == (
        "readmes-embeddings-v1.2.0",
        {"chunking.size": [60, 90]},
    )

    again = run_ok(registry, "readmes-embeddings", **env)
    assert (again["status"], again["published"]) == ("unchanged", True)

    hits = cli(registry, env, "search", "sourdough starter", "--k", "2", "--json")
    assert hits[0]["repository"] == "acme/breadbox" and len(hits) == 2

    # Serving config is not data: a new table in serving.yaml makes no version, the next run serves it.
    serving = registry / "pipelines/readmes-embeddings/serving.yaml"
    serving.write_text(serving.read_text().replace("table: readmes_embeddings", "table: readmes_chunks"))
    git(registry, "commit", "-q", "-am", "serve in readmes_chunks")
    moved = run_ok(registry, "readmes-embeddings", **env)
    assert (moved["status"], moved["tag"], moved["published"]) == (
        "unchanged",
        "readmes-embeddings-v1.2.0",
        True,
    )
    with psycopg.connect(database) as connection:
        rows = connection.execute(
            "SELECT table_name, version FROM data_registry_served ORDER BY 1"
        ).fetchall()
    assert rows == [("readmes_chunks", "1.2.0"), ("readmes_embeddings", "1.2.0")]
    publisher = PgvectorPublisher(
        Dataset("readmes-embeddings", registry), settings.load(registry, env), {"table": "readmes_chunks"}
    )
    assert [(copy.target, copy.version) for copy in publisher.served()] == [("table readmes_chunks", "1.2.0")]
    by_dataset = cli(
        registry, env, "search", "sourdough starter", "--dataset", "readmes-embeddings", "--json"
    )
    assert by_dataset[0]["repository"] == "acme/breadbox"
    assert tags(registry, "readmes-embeddings") == [
        "readmes-embeddings-v1.0.0",
        "readmes-embeddings-v1.1.0",
        "readmes-embeddings-v1.2.0",
    ]


def cli(repo: Path, env: dict[str, str], *args: str) -> Any:
    command = [str(Path(sys.executable).parent / "data-registry"), *args]
    result = subprocess.run(command, cwd=repo, env=tool_env(**env), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Warning" not in result.stderr and "Loading weights" not in result.stderr, result.stderr
    return json.loads(result.stdout)
