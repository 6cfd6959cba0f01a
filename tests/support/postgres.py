"""An embedded Postgres + pgvector (pgserver) for a test session, always stopped at the end.

pgserver leaves Postgres running if its owning process dies, and its own cleanup can miss
(stale pid file), so the finalizer runs `pg_ctl -m fast stop` itself.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    """Yield the DSN of a fresh server in a temp folder; stop and delete it afterwards."""
    import pgserver

    folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    data = folder / "pgdata"
    server = pgserver.get_server(data, cleanup_mode=None)
    try:
        yield str(server.get_uri())
    finally:
        stop(data)
        shutil.rmtree(folder, ignore_errors=True)


def stop(data: Path) -> None:
    """`pg_ctl -m fast stop`, as the user pgserver runs Postgres as (it is not root)."""
    from pgserver._commands import pg_ctl

    if not (data / "postmaster.pid").exists():
        return
    owner = pwd.getpwuid(data.stat().st_uid).pw_name
    user = {"user": owner} if os.geteuid() == 0 and owner != "root" else {}
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-m", "fast", "-w", "stop"], pgdata=data, timeout=60, **user)
