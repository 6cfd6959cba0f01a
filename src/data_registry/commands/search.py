"""`data-registry search`: nearest chunks to a question in a served pgvector table.

The table's registry row says which model made its embeddings, so the question is
encoded with that same model; the HNSW index answers with `hnsw.ef_search` candidates.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from data_registry.core.errors import RegistryError, UsageError
from data_registry.publish import postgres

if TYPE_CHECKING:
    from data_registry.core.settings import Settings

DEFAULT_EF_SEARCH = 40


class NothingServed(RegistryError):
    hint = "publish an embeddings dataset first: data-registry run readmes-embeddings"


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    repository: str
    path: str
    headers: str
    text: str


def search(settings: Settings, query: str, k: int = 5, table: str | None = None) -> list[Hit]:
    from pgvector.psycopg import register_vector  # noqa: F401  (imported before the model's thread starts)
    from psycopg import sql

    from data_registry.embeddings import embed
    from data_registry.publish import pgvector

    if k < 1:
        raise UsageError(f"--k must be at least 1, not {k}")
    with contextlib.suppress(ImportError):  # its imports too stay out of the model thread's way
        import pgserver  # noqa: F401
    # Importing sentence-transformers (torch, transformers) is most of a cold query: do it while
    # the embedded Postgres starts and the served table is looked up.
    model_import = _import_in_background("sentence_transformers")
    conninfo = postgres.dsn(settings)
    with postgres.connect(conninfo) as connection:
        postgres.ensure_vector(connection)
        pgvector.ensure_registry(connection)
        rows = pgvector.served(connection, table)
        if not rows:
            raise NothingServed(f"no served table{f' named {table}' if table else ''} in the database")
        served = rows[0]
        model = served.get("model")
        if not model:
            raise NothingServed(
                f"served table {served['table_name']} records no embedding model to encode a query with",
                "republish it with the readmes-embeddings pipeline",
            )
        model_import.join()
        spec = embed.ModelSpec(model["name"], model["revision"], int(model.get("encode_batch", 64)))
        vector = embed.encode(embed.load_model(spec, settings.embedding_device), [query], spec.encode_batch)[
            0
        ]
        connection.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(DEFAULT_EF_SEARCH),))
        statement = sql.SQL(
            "SELECT repository, path, headers, text, 1 - (embedding <=> %(q)s) AS score FROM {}"
            " ORDER BY embedding <=> %(q)s LIMIT %(k)s"
        ).format(sql.Identifier(served["table_name"]))
        found = connection.execute(statement, {"q": vector, "k": k}).fetchall()
    return [
        Hit(rank, round(float(score), 4), repository, path, headers, text)
        for rank, (repository, path, headers, text, score) in enumerate(found, start=1)
    ]


def served_table(root: Path, dataset_name: str) -> str:
    """The table a dataset is served in, as its serving.yaml's pgvector publisher names it."""
    from data_registry.core import datasets
    from data_registry.publish import serving
    from data_registry.publish.pgvector import Target

    options = serving.load(datasets.get(root, dataset_name)).get("pgvector")
    if options is None:
        raise NothingServed(
            f"{dataset_name} declares no pgvector publisher in its serving.yaml",
            "name a dataset served in pgvector (e.g. readmes-embeddings), or pass --table",
        )
    return Target(**options).table


def _import_in_background(module: str) -> threading.Thread:
    """Start importing `module` in a thread; a failure is left for the real import to raise."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    thread = threading.Thread(target=load, name=f"import-{module}", daemon=True)
    thread.start()
    return thread
