"""The factory's own PostgreSQL database (schema ``acf``), through PostgresHook."""
from __future__ import annotations

from contextlib import contextmanager

from airflow.providers.postgres.hooks.postgres import PostgresHook

from acf import settings


class FactoryDbHook(PostgresHook):
    """PostgresHook whose default connection is the factory database (``acf_postgres``)."""

    default_conn_name = "acf_postgres"
    hook_name = "AI Content Factory database"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("postgres_conn_id", settings.load().postgres_conn_id)
        super().__init__(*args, **kwargs)


@contextmanager
def factory_connection(hook: FactoryDbHook | None = None):
    """A psycopg connection to the factory database (through ``hook``, default the factory's Connection),
    committed on success, closed after."""
    conn = (hook or FactoryDbHook()).get_conn()
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


@contextmanager
def autocommit_connection(hook: FactoryDbHook | None = None):
    """A connection in autocommit mode, closed after: each write is seen at once by others, while a task's
    own transaction stays open (a render's progress for the dashboard)."""
    conn = (hook or FactoryDbHook()).get_conn()
    try:
        conn.autocommit = True
        yield conn
    finally:
        conn.close()
