"""Where the serving Postgres is: DATABASE_URL, else libpq's PG* variables, else an embedded
`pgserver` (PostgreSQL + pgvector) under DATA_REGISTRY_HOME, so a laptop needs no service.

The embedded server stops when the process that started it exits; its data folder stays,
so a later `search` finds the table a run published.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_registry.core.errors import RegistryError

if TYPE_CHECKING:
    import psycopg

    from data_registry.core.settings import Settings

EMBEDDED_FOLDER = "pgserver"
_embedded: dict[Path, Any] = {}  # keeps each embedded server alive for the process


class DatabaseUnavailable(RegistryError):
    hint = "check DATABASE_URL (or PGHOST and friends) and that Postgres with pgvector is up, then rerun"


def dsn(settings: Settings) -> str:
    """A libpq connection string; secrets stay inside it and are never printed."""
    if settings.database_url:
        return settings.database_url
    if settings.pghost:
        return ""  # libpq reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE itself
    return embedded_uri(settings.home / EMBEDDED_FOLDER)


def embedded_uri(folder: Path) -> str:
    if folder not in _embedded:
        import pgserver

        folder.mkdir(parents=True, exist_ok=True)
        try:
            _embedded[folder] = pgserver.get_server(folder, cleanup_mode="stop")
        except Exception as error:  # pgserver raises bare exceptions with initdb/pg_ctl output
            raise DatabaseUnavailable(f"cannot start the embedded Postgres in {folder}: {error}") from error
    return str(_embedded[folder].get_uri())


def connect(conninfo: str, **kwargs: Any) -> psycopg.Connection:
    import psycopg

    try:
        return psycopg.connect(conninfo, **kwargs)
    except psycopg.OperationalError as error:
        raise DatabaseUnavailable(f"cannot connect to Postgres: {_first_line(error)}") from error


def ensure_vector(connection: psycopg.Connection) -> None:
    """Create the extension, then register the vector types (they only exist after CREATE)."""
    from pgvector.psycopg import register_vector

    connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
    connection.commit()
    register_vector(connection)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
