"""Publishing 100,000 384-d rows to pgvector, side by side on one embedded Postgres:

* ours: `publish` (binary COPY through a psycopg_pool pool with parallel writers into a
  staging table, primary key, HNSW, ANALYZE, swap + registry row in one transaction);
* bare: one psycopg connection, binary COPY into a table, then the same CREATE INDEX;
* naive: row-by-row INSERT into an indexed table, a new connection per batch
  (timed on a sample, rate extrapolated);
* no-op: publishing the already-served version again.

Targets (issue 8): ours <= 1.2x bare; ours >= 50x faster than naive; no-op < 1 s.
Usage: python tests/benchmarks/bench_publish.py [--rows N] [--naive-rows N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from data_registry.embeddings.embed import embedding_matrix
from data_registry.publish.pgvector import Release, Target, publish
from data_registry.publish.postgres import ensure_vector
from tests.benchmarks.vectors import clustered, write_embeddings
from tests.support.postgres import embedded_postgres

WORK_MEM = "1GB"


def bare_copy_and_index(dsn: str, path: Path, target: Target) -> float:
    import pyarrow.parquet as pq

    started = time.perf_counter()
    table = pq.read_table(path)
    vectors = embedding_matrix(table)
    columns = [
        table.column(name).to_pylist()
        for name in ("id", "repository", "path", "headers", "chunk_index", "text")
    ]
    with psycopg.connect(dsn) as connection:
        ensure_vector(connection)
        connection.execute("DROP TABLE IF EXISTS bare")
        connection.execute(
            "CREATE TABLE bare (id text, repository text, path text, headers text, chunk_index integer,"
            f" text text, embedding vector({vectors.shape[1]}))"
        )
        with connection.cursor().copy("COPY bare FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "text", "integer", "text", "vector"])
            for row, vector in zip(zip(*columns, strict=True), vectors, strict=True):
                copy.write_row((*row, vector))
        connection.execute("SELECT set_config('maintenance_work_mem', %s, false)", (WORK_MEM,))
        connection.execute(
            "CREATE INDEX ON bare USING hnsw (embedding vector_cosine_ops)"
            f" WITH (m = {target.m}, ef_construction = {target.ef_construction})"
        )
    return time.perf_counter() - started


def naive_rate(dsn: str, path: Path, rows: int, table: str, batch: int = 100) -> float:
    """Rows per second of INSERT one row at a time, a new connection per batch of `batch` rows,
    into `table` (which has the HNSW index)."""
    import pyarrow.parquet as pq

    sample = pq.read_table(path).slice(0, rows)
    vectors = embedding_matrix(sample)
    names = ("id", "repository", "path", "headers", "chunk_index", "text")
    records = list(zip(*(sample.column(name).to_pylist() for name in names), strict=True))
    statement = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, %s)").format(sql.Identifier(table))
    started = time.perf_counter()
    for first in range(0, rows, batch):
        with psycopg.connect(dsn) as connection:
            register_vector(connection)
            for record, vector in zip(
                records[first : first + batch], vectors[first : first + batch], strict=True
            ):
                connection.execute(statement, (f"naive-{record[0]}", *record[1:], vector))
    return rows / (time.perf_counter() - started)


def naive_seconds(dsn: str, path: Path, rows: int, sample: int) -> tuple[float, float, float]:
    """The naive load time of `rows`, extrapolated from its rate on an empty indexed table and on
    one that already holds `rows` (the bare table): HNSW inserts slow down as the graph grows, so
    the average of the two ends is used, not the flattering empty-table rate."""
    with psycopg.connect(dsn) as connection:
        connection.execute("DROP TABLE IF EXISTS naive")
        connection.execute("CREATE TABLE naive (LIKE bare)")
        connection.execute("CREATE INDEX ON naive USING hnsw (embedding vector_cosine_ops)")
    start_rate = naive_rate(dsn, path, sample, "naive")
    end_rate = naive_rate(dsn, path, sample, "bare")
    return rows / 2 / start_rate + rows / 2 / end_rate, start_rate, end_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=3_000)
    args = parser.parse_args()
    target = Target("bench_chunks", m=16, ef_construction=128)
    with tempfile.TemporaryDirectory() as folder, embedded_postgres() as dsn:
        path = write_embeddings(Path(folder) / "embeddings.parquet", clustered(args.rows))
        bare = bare_copy_and_index(dsn, path, target)
        outcome = publish(
            dsn, path, target, Release("bench", "1.0.0", "hash-1"), maintenance_work_mem=WORK_MEM
        )
        started = time.perf_counter()
        again = publish(dsn, path, target, Release("bench", "1.0.0", "hash-1"))
        noop = time.perf_counter() - started
        naive, start_rate, end_rate = naive_seconds(dsn, path, args.rows, args.naive_rows)
    ours = outcome.seconds
    print(f"rows: {args.rows:,}  (384-d, clustered)")
    print(f"bare COPY + CREATE INDEX : {bare:8.2f} s")
    print(f"publish (pool + swap)    : {ours:8.2f} s   ratio {ours / bare:.2f}x   target <= 1.2x")
    rates = f"{start_rate:,.0f} rows/s empty, {end_rate:,.0f} rows/s full; {args.naive_rows:,}-row samples"
    print(f"naive INSERT (extrapol.) : {naive:8.1f} s   ({rates})")
    print(f"speed-up over naive      : {naive / ours:8.1f}x   target >= 50x")
    print(f"no-op publish ({again.status}): {noop:.3f} s   target < 1 s")


if __name__ == "__main__":
    main()
