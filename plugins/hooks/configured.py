"""A hook only where its Connection exists: how tier chains skip unconfigured providers."""
from __future__ import annotations

from typing import TypeVar

from airflow.sdk.exceptions import AirflowNotFoundException

H = TypeVar("H")


def configured(hook_class: type[H], conn_id: str | None = None) -> H | None:
    """``hook_class(conn_id)`` when that Connection exists, else None."""
    hook = hook_class(conn_id or hook_class.default_conn_name)
    try:
        hook.connection
    except AirflowNotFoundException:
        return None
    return hook
