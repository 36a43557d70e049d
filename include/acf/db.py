"""PostgreSQL access shared by every stage: migrations, COPY loads, small queries.

Functions take an open psycopg (v3) connection. Inside Airflow the connection
comes from ``FactoryDbHook``, a PostgresHook (``plugins/hooks/factory_db.py``);
tests and command-line tools open one from a DSN with :func:`connect`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from acf.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """A migration file is misnamed or failed to apply."""


def connect(dsn: str, **kwargs: Any) -> psycopg.Connection:
    return psycopg.connect(dsn, **kwargs)


_committed: dict[str, psycopg.Connection] = {}


def execute_committed(conn: Any, sql: str, params: Sequence[Any]) -> tuple | None:
    """Run ``sql`` on its own autocommit connection to ``conn``'s database, so the row stays whatever becomes
    of ``conn``'s transaction. For the AI-call ledger: a provider bills a call the moment it answers, and a
    task that fails (or is killed) afterwards rolled the call's row back with its own work, so the ledger
    missed what was billed (found by the soak: 37 of 64 billed model calls were not in acf.ai_calls).
    Anything that is not a psycopg connection (a test double) gets the statement itself. Returns the first
    row of a statement that returns rows (``INSERT ... RETURNING``), else None."""
    if not isinstance(conn, psycopg.Connection):
        cursor = conn.execute(sql, params)
        return cursor.fetchone() if getattr(cursor, "description", None) else None
    from psycopg.conninfo import make_conninfo

    target = make_conninfo(conn.info.dsn, **({"password": conn.info.password} if conn.info.password else {}))
    for attempt in (1, 2):
        writer = _committed.get(target)
        if writer is None or writer.closed:
            writer = _committed[target] = psycopg.connect(target, autocommit=True)
        try:
            cursor = writer.execute(sql, params)
            return cursor.fetchone() if cursor.description else None
        except psycopg.OperationalError:   # the server restarted since: one new connection
            _committed.pop(target, None)
            if attempt == 2:
                raise


def migration_files(sql_dir: Path = SQL_DIR) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(sql_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migrations are named NNNN_name.sql")
        found.append((int(match.group(1)), path))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a number in {sql_dir}")
    return found


def migrate(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[int]:
    """Apply the migrations not yet recorded in acf.schema_version; return those applied.

    Each migration runs in its own transaction together with its version row, and
    an advisory lock keeps two concurrent migrators from racing.
    """
    applied: list[int] = []
    with conn.transaction():
        conn.execute("CREATE SCHEMA IF NOT EXISTS acf")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS acf.schema_version ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    for version, path in migration_files(sql_dir):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(804201)")
            done = conn.execute(
                "SELECT 1 FROM acf.schema_version WHERE version = %s", (version,)
            ).fetchone()
            if done:
                continue
            try:
                conn.execute(path.read_text())
            except psycopg.Error as exc:
                raise MigrationError(f"{path.name} failed: {exc}") from exc
            conn.execute(
                "INSERT INTO acf.schema_version (version, name) VALUES (%s, %s)",
                (version, path.name),
            )
            applied.append(version)
    return applied


def schema_version(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT coalesce(max(version), 0) FROM acf.schema_version").fetchone()
    return int(row[0])


def copy_rows(
    conn: psycopg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """COPY rows into ``table``; dicts/lists are sent as JSON. Returns the row count."""
    count = 0
    cols = ", ".join(columns)
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_adapt(v) for v in row])
                count += 1
    return count


def _adapt(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def fetch_dicts(conn: psycopg.Connection, sql: str, params: Sequence[Any] | dict | None = None) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def quarantine(
    conn: psycopg.Connection,
    stage: str,
    reason: str,
    payload: Any,
    *,
    source: str | None = None,
    raw_key: str | None = None,
    run_id: str | None = None,
) -> None:
    """Record a rejected item with its reason; the run goes on."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)
    conn.execute(
        "INSERT INTO acf.quarantine (stage, source, reason, raw_key, payload, run_id)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (stage, source, reason, raw_key, text.replace("\x00", "\\u0000"), run_id),
    )
