"""Publish an embeddings parquet to Postgres + pgvector, atomically and idempotently.

Load path: binary COPY through a psycopg_pool pool (one slice per writer, in parallel)
into a staging table, then the HNSW index, then one transaction that drops the served
table and renames the staging table into its place, and records the version in
`data_registry_served`. Readers see the old table or the new one, never a half-loaded
one; a failure before the swap drops the staging table and leaves the old one serving.
Every identifier goes through psycopg.sql.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.core.errors import RegistryError, UsageError
from data_registry.embeddings.embed import EMBEDDINGS_SPLIT, embedding_matrix
from data_registry.publish import postgres
from data_registry.publish.base import (
    ALREADY_SERVED,
    PUBLISHED,
    SERVING_FILE,
    Report,
    Served,
    ServingFileError,
    VersionFacts,
    check_options,
)

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

    from data_registry.core.datasets import Dataset
    from data_registry.core.settings import Settings

REGISTRY_TABLE = "data_registry_served"
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
COLUMNS = ("id", "repository", "path", "headers", "chunk_index", "text", "embedding")
COPY_TYPES = ("text", "text", "text", "text", "integer", "text", "vector")


class PublishError(RegistryError):
    hint = "the previously served table is untouched; fix the cause and rerun to publish"


@dataclass(frozen=True)
class Target:
    """Where and how to serve: from the dataset's serving.yaml (the index shapes recall and speed)."""

    table: str
    m: int = 16
    ef_construction: int = 128

    def __post_init__(self) -> None:
        if not TABLE_NAME.fullmatch(self.table):
            raise UsageError(
                f"invalid table name {self.table!r}", "use [a-z_][a-z0-9_]*, at most 40 characters"
            )
        for key in ("m", "ef_construction"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 2:
                raise UsageError(f"invalid HNSW {key} {value!r}", f"set {key} to an integer of at least 2")

    @property
    def index(self) -> dict[str, int]:
        return {"m": self.m, "ef_construction": self.ef_construction}


@dataclass(frozen=True)
class Release:
    """Which dataset version the rows are, recorded beside the served table."""

    dataset: str
    version: str
    content_hash: str
    model: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str  # PUBLISHED or ALREADY_SERVED
    rows: int
    seconds: float


def publish(
    conninfo: str,
    parquet_path: Path,
    target: Target,
    release: Release,
    writers: int = 2,
    maintenance_work_mem: str = "1GB",
) -> Outcome:
    started = time.perf_counter()
    with postgres.connect(conninfo) as connection:
        postgres.ensure_vector(connection)
        ensure_registry(connection)
        if is_served(connection, target, release):
            return Outcome(ALREADY_SERVED, served_rows(connection, target), time.perf_counter() - started)
    table = _read(parquet_path)
    staging = f"{target.table}__staging"
    try:
        create_staging(conninfo, staging, _dimension(table))
        copy_parallel(conninfo, staging, table, writers)
        with postgres.connect(conninfo) as connection:
            build_index(connection, staging, target, maintenance_work_mem)
            swap(connection, staging, target, release, table.num_rows)
    except BaseException as error:
        _drop_quietly(conninfo, staging)
        if isinstance(error, Exception) and not isinstance(error, RegistryError):
            raise PublishError(f"publishing {release.dataset} {release.version} failed: {error}") from error
        raise
    return Outcome(PUBLISHED, table.num_rows, time.perf_counter() - started)


def ensure_registry(connection: psycopg.Connection) -> None:
    from psycopg import sql

    connection.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (table_name text PRIMARY KEY, dataset text NOT NULL,"
            " version text NOT NULL, content_hash text NOT NULL, index_params jsonb NOT NULL,"
            " model jsonb NOT NULL, rows bigint NOT NULL, published_at timestamptz NOT NULL DEFAULT now())"
        ).format(sql.Identifier(REGISTRY_TABLE))
    )
    connection.commit()


def served(connection: psycopg.Connection, table: str | None = None) -> list[dict[str, Any]]:
    """Rows of the registry table (all, or the one for `table`), newest first."""
    from psycopg import sql
    from psycopg.rows import dict_row

    query = sql.SQL(
        "SELECT table_name, dataset, version, content_hash, index_params, model, rows FROM {}"
        " WHERE %(table)s::text IS NULL OR table_name = %(table)s ORDER BY published_at DESC"
    ).format(sql.Identifier(REGISTRY_TABLE))
    with connection.cursor(row_factory=dict_row) as cursor:
        return list(cursor.execute(query, {"table": table}).fetchall())


def is_served(connection: psycopg.Connection, target: Target, release: Release) -> bool:
    """Same content hash, same version and index params, and the table still exists."""
    current = served(connection, target.table)
    if not current:
        return False
    row = current[0]
    exists = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (target.table,)).fetchone()
    return bool(
        exists
        and exists[0]
        and row["content_hash"] == release.content_hash
        and row["version"] == release.version
        and row["index_params"] == target.index
    )


def served_rows(connection: psycopg.Connection, target: Target) -> int:
    return int(served(connection, target.table)[0]["rows"])


def create_staging(conninfo: str, staging: str, dimension: int) -> None:
    from psycopg import sql

    with postgres.connect(conninfo) as connection:
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(staging)))
        connection.execute(
            sql.SQL(
                "CREATE TABLE {} (id text NOT NULL, repository text NOT NULL, path text NOT NULL,"
                " headers text NOT NULL, chunk_index integer NOT NULL, text text NOT NULL,"
                " embedding vector({}) NOT NULL)"
            ).format(sql.Identifier(staging), sql.Literal(dimension))
        )


def copy_parallel(conninfo: str, staging: str, table: pa.Table, writers: int) -> None:
    """One binary COPY per writer over its own slice, through a pool of `writers` connections."""
    from pgvector.psycopg import register_vector
    from psycopg_pool import ConnectionPool

    writers = max(1, min(writers, table.num_rows))
    step = -(-table.num_rows // writers) if table.num_rows else 1
    slices = [table.slice(start, step) for start in range(0, table.num_rows, step)]
    with (
        ConnectionPool(
            conninfo, min_size=writers, max_size=writers, configure=register_vector, open=True
        ) as pool,
        ThreadPoolExecutor(writers, thread_name_prefix="copy") as executor,
    ):
        futures = [executor.submit(_copy_slice, pool, staging, part) for part in slices]
        for future in futures:
            future.result()


def _copy_slice(pool: Any, staging: str, part: pa.Table) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(staging), sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    )
    columns = [part.column(name).to_pylist() for name in COLUMNS[:-1]]
    vectors = embedding_matrix(part)
    with pool.connection() as connection, connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(list(COPY_TYPES))
        for row, vector in zip(zip(*columns, strict=True), vectors, strict=True):
            copy.write_row((*row, vector))


def build_index(connection: psycopg.Connection, staging: str, target: Target, work_mem: str) -> None:
    from psycopg import sql

    connection.execute("SELECT set_config('maintenance_work_mem', %s, false)", (work_mem,))
    connection.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (id)").format(sql.Identifier(staging)))
    connection.execute(
        sql.SQL(
            "CREATE INDEX {} ON {} USING hnsw (embedding vector_cosine_ops)"
            " WITH (m = {}, ef_construction = {})"
        ).format(
            sql.Identifier(f"{staging}_hnsw"),
            sql.Identifier(staging),
            sql.Literal(target.m),
            sql.Literal(target.ef_construction),
        )
    )
    connection.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(staging)))
    connection.commit()


def swap(connection: psycopg.Connection, staging: str, target: Target, release: Release, rows: int) -> None:
    """Drop the served table and rename the staging one into place, in one transaction."""
    from psycopg import sql

    name = sql.Identifier(target.table)
    with connection.transaction():
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))
        connection.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(staging), name))
        for suffix in ("pkey", "hnsw"):
            connection.execute(
                sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                    sql.Identifier(f"{staging}_{suffix}"), sql.Identifier(f"{target.table}_{suffix}")
                )
            )
        connection.execute(
            sql.SQL(
                "INSERT INTO {} (table_name, dataset, version, content_hash, index_params, model, rows)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (table_name) DO UPDATE SET"
                " dataset = excluded.dataset, version = excluded.version,"
                " content_hash = excluded.content_hash,"
                " index_params = excluded.index_params, model = excluded.model, rows = excluded.rows,"
                " published_at = now()"
            ).format(sql.Identifier(REGISTRY_TABLE)),
            (
                target.table,
                release.dataset,
                release.version,
                release.content_hash,
                json.dumps(target.index),
                json.dumps(dict(release.model)),
                rows,
            ),
        )


def _read(parquet_path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(parquet_path, columns=list(COLUMNS))
    except (OSError, KeyError, ValueError) as error:
        raise PublishError(f"cannot read embeddings from {parquet_path}: {error}") from error


def _dimension(table: pa.Table) -> int:
    import pyarrow as pa

    kind = table.schema.field("embedding").type
    if not pa.types.is_fixed_size_list(kind):
        raise PublishError("the embedding column must be a fixed-size list of float32")
    return int(kind.list_size)


def _drop_quietly(conninfo: str, staging: str) -> None:
    """Best effort: the database may be what failed."""
    from psycopg import sql

    try:
        with postgres.connect(conninfo) as connection:
            connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(staging)))
    except Exception:  # the original error is what the user needs to see
        return


class PgvectorPublisher:
    """The `pgvector` publisher: the dataset's processed embeddings as one served table, keyed by
    the processed out's hash in dvc.lock (what the version is), with the model from metadata.json.

    Options (serving.yaml): table, and the HNSW index's m and ef_construction.
    """

    name = "pgvector"

    def __init__(self, dataset: Dataset, settings: Settings, options: Mapping[str, Any]) -> None:
        check_options(self.name, options, {"table", "m", "ef_construction"})
        if "table" not in options:
            raise ServingFileError(f"{SERVING_FILE}: pgvector needs a `table` to serve into")
        self.dataset, self.settings, self.target = dataset, settings, Target(**options)

    def publish(self, facts: VersionFacts) -> Report:
        from data_registry.core import lockfile
        from data_registry.formats import metadata
        from data_registry.sources.upstream import processed_out

        dataset = self.dataset
        content_hash = lockfile.out_hashes(dataset.lock_file.read_text()).get(processed_out(dataset.name))
        if content_hash is None:
            raise PublishError(f"{dataset.name} has no processed out in dvc.lock", "run the pipeline first")
        model = metadata.read(dataset.metadata_file).get("model", {})
        release = Release(dataset.name, facts.version, content_hash, model)
        parquet_path = dataset.split_file(EMBEDDINGS_SPLIT)
        outcome = publish(postgres.dsn(self.settings), parquet_path, self.target, release)
        return Report(
            self.name,
            outcome.status,
            f"table {self.target.table}",
            facts.tag,
            f"{outcome.rows} rows",
            outcome.seconds,
        )

    def served(self) -> list[Served]:
        with postgres.connect(postgres.dsn(self.settings)) as connection:
            postgres.ensure_vector(connection)
            ensure_registry(connection)
            rows = served(connection, self.target.table)
        return [
            Served(f"table {row['table_name']}", row["dataset"], row["version"], row["content_hash"])
            for row in rows
        ]


if TYPE_CHECKING:  # mypy checks that the class is what the registry expects
    from data_registry.publish.base import PublisherFactory

    _registered: PublisherFactory = PgvectorPublisher
