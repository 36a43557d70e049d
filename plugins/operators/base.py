"""What every factory operator shares: the factory database and object store, as cached hooks."""
from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator


class FactoryOperator(BaseOperator):
    """Base of the factory's step operators.

    :param postgres_conn_id: the factory database's Connection (default ``ACF_POSTGRES_CONN_ID``,
        ``acf_postgres``); the object store comes from ``ACF_OBJECT_STORE`` as in the factory's DAGs.
    """

    ui_color = "#e8f0fe"

    def __init__(self, *, postgres_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.postgres_conn_id = postgres_conn_id

    @cached_property
    def db_hook(self):
        from hooks.factory_db import FactoryDbHook

        return FactoryDbHook(postgres_conn_id=self.postgres_conn_id) if self.postgres_conn_id else FactoryDbHook()

    @cached_property
    def object_root(self):
        from hooks.object_store import object_root

        return object_root()

    def connection(self) -> AbstractContextManager:
        """A factory database connection, committed when the block succeeds."""
        from hooks.factory_db import factory_connection

        return factory_connection(self.db_hook)


def as_list(value: Any) -> list:
    """A list parameter as given, or as rendered by a DAG without ``render_template_as_native_obj``
    (``"['youtube', 'tiktok']"``, ``'["a"]'`` or ``"youtube,tiktok"``)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        import ast

        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = [part.strip() for part in value.split(",") if part.strip()]
        return list(parsed) if isinstance(parsed, (list, tuple)) else [parsed]
    return list(value)
