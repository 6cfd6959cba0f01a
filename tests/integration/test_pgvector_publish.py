"""Publishing to an embedded Postgres + pgvector: atomic swap, idempotence, failure safety."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data_registry.core.errors import UsageError
from data_registry.publish.pgvector import PublishError, Release, Target, publish, served
from tests.support.postgres import embedded_postgres

DIMENSION = 16


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with embedded_postgres() as dsn:
        yield dsn


def embeddings(path: Path, rows: int, seed: int, ids: list[str] | None = None) -> Path:
    vectors = np.random.default_rng(seed).standard_normal((rows, DIMENSION)).astype(np.float32)
    table = pa.table(
        {
            "id": ids or [f"chunk-{seed}-{index}" for index in range(rows)],
            "repository": ["o/r"] * rows,
            "path": ["README.md"] * rows,
            "headers": ["Title"] * rows,
            "chunk_index": pa.array(range(rows), pa.int32()),
            "text": [f"text {index}" for index in range(rows)],
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIMENSION),
        }
    )
    pq.write_table(table, path)
    return path


def count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()  # test-only literal name
    return int(row[0]) if row else -1


def test_publish_swaps_in_new_versions_and_skips_a_served_one(database: str, tmp_path: Path) -> None:
    target = Target("chunks_a", m=8, ef_construction=32)
    first = publish(
        database, embeddings(tmp_path / "v1.parquet", 300, 1), target, Release("ds", "1.0.0", "h1")
    )
    assert (first.status, first.rows, count(database, "chunks_a")) == ("published", 300, 300)

    started = time.perf_counter()
    again = publish(database, tmp_path / "v1.parquet", target, Release("ds", "1.0.0", "h1"))
    assert again.status == "already served" and time.perf_counter() - started < 1.0

    second = publish(
        database, embeddings(tmp_path / "v2.parquet", 120, 2), target, Release("ds", "1.1.0", "h2")
    )
    assert second.status == "published" and count(database, "chunks_a") == 120
    with psycopg.connect(database) as connection:
        (row,) = served(connection, "chunks_a")
        indexes = connection.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'chunks_a'"
        ).fetchall()
        leftovers = connection.execute("SELECT to_regclass('chunks_a__staging')").fetchone()
    assert (row["version"], row["content_hash"], row["rows"]) == ("1.1.0", "h2", 120)
    assert sorted(name for (name,) in indexes) == ["chunks_a_hnsw", "chunks_a_pkey"]
    assert leftovers == (None,)


def test_a_failure_mid_load_leaves_the_previous_table_serving(database: str, tmp_path: Path) -> None:
    target = Target("chunks_b")
    publish(database, embeddings(tmp_path / "good.parquet", 50, 3), target, Release("ds", "1.0.0", "good"))
    duplicated = embeddings(tmp_path / "bad.parquet", 50, 4, ids=["same"] * 50)  # COPY passes, the key fails
    with pytest.raises(PublishError) as caught:
        publish(database, duplicated, target, Release("ds", "2.0.0", "bad"))
    assert "duplicated" in caught.value.one_line() and "untouched" in caught.value.one_line()
    with psycopg.connect(database) as connection:
        (row,) = served(connection, "chunks_b")
        leftovers = connection.execute("SELECT to_regclass('chunks_b__staging')").fetchone()
    assert row["version"] == "1.0.0" and count(database, "chunks_b") == 50 and leftovers == (None,)


def test_table_names_are_validated_before_any_sql() -> None:
    with pytest.raises(UsageError):
        Target('x"; DROP TABLE data_registry_served; --')
