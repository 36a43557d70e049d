"""Airflow's own REST API, for what a task cannot do through the Task SDK: save a Connection's rotated tokens.

Why the REST API (Airflow 3.3.2, read in its source): the Execution API that task and trigger
processes talk to serves Connections read-only (``api_fastapi/execution_api/routes/connections.py``
has a GET and nothing else), and a task process cannot reach the metadata database itself
(``sdk/execution_time/supervisor.py`` ``block_orm_access``: "Direct database access via the ORM is not
allowed"). ``PATCH /api/v2/connections/{connection_id}?update_mask=extra`` stores the extra encrypted
(Fernet) like any Connection edit, is authorised like one (FAB: ``can_edit`` on Connections; the simple
auth manager: role ``op``) and is audited in Airflow's event log. Reading goes through the Task SDK
instead: the REST API masks secret-looking extras (``access_token``, ``refresh_token``) in what it returns.

Connection ``acf_airflow_api`` (type ``http``): host = the API server's base URL, login / password = a
user allowed to edit Connections (``make run`` creates ``acf_service``, role Service in roles.yaml).
"""
from __future__ import annotations

import json
import logging
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.redaction import redact, register, register_connection

log = logging.getLogger(__name__)


class ConnectionNotWritableError(RuntimeError):
    """The Connection is not where the REST API can change it (an AIRFLOW_CONN_ variable, a secrets backend)."""


class AirflowApiHook(BaseHook):
    conn_name_attr = "airflow_api_conn_id"
    default_conn_name = "acf_airflow_api"
    conn_type = "http"
    hook_name = "Airflow REST API (AI Content Factory)"

    def __init__(self, conn_id: str | None = None, timeout: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        self.timeout = timeout

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.conn_id))

    @cached_property
    def base_url(self) -> str:
        host = (self.connection.host or "").rstrip("/")
        return host if "://" in host else f"http://{host}"

    def _session(self):
        import requests

        session = requests.Session()
        answer = session.post(f"{self.base_url}/auth/token", timeout=self.timeout,
                              json={"username": self.connection.login, "password": self.connection.password})
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"Airflow API login as {self.connection.login!r} refused: HTTP {answer.status_code}")
        token = answer.json()["access_token"]
        register(token)
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def get_conn(self):
        return self._session()

    def patch_connection_extra(self, conn_id: str, conn_type: str, extra: dict) -> None:
        """Replace the Connection's extra (``update_mask=extra``: nothing else changes)."""
        answer = self._session().patch(
            f"{self.base_url}/api/v2/connections/{conn_id}", params={"update_mask": "extra"}, timeout=self.timeout,
            json={"connection_id": conn_id, "conn_type": conn_type, "extra": json.dumps(extra)})
        if answer.status_code == 404:
            raise ConnectionNotWritableError(
                f"Connection {conn_id!r} is not in Airflow's metadata database (an AIRFLOW_CONN_ variable or a"
                " secrets backend defines it): its rotated tokens cannot be saved; create it in the UI instead")
        if answer.status_code not in (200, 201):
            raise RuntimeError(redact(f"saving Connection {conn_id!r}: HTTP {answer.status_code} {answer.text[:200]}"))

    def test_connection(self) -> tuple[bool, str]:
        try:
            answer = self._session().get(f"{self.base_url}/api/v2/connections", params={"limit": 1},
                                         timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return answer.status_code == 200, f"connections listed: HTTP {answer.status_code}"


class ConnectionTokenStore:
    """A :class:`acf.publishing.http.TokenStore` over one Airflow Connection's extras (access_token,
    refresh_token, token_expires_at): read fresh through the Task SDK, written through the REST API,
    read again to make sure the write is what tasks will see."""

    def __init__(self, conn_id: str, api: AirflowApiHook):
        self.conn_id = conn_id
        self.api = api

    def _connection(self):
        return register_connection(BaseHook.get_connection(self.conn_id))

    def read(self):
        from acf.publishing.hook_support import token_from_extras

        return token_from_extras(self._connection().extra_dejson)

    def write(self, token) -> None:
        from acf.publishing.hook_support import token_extras, token_from_extras

        current = self._connection()
        self.api.patch_connection_extra(self.conn_id, current.conn_type,
                                        {**current.extra_dejson, **token_extras(token)})
        seen = token_from_extras(self._connection().extra_dejson)
        if (seen.access_token, seen.refresh_token) != (token.access_token, token.refresh_token):
            raise ConnectionNotWritableError(
                f"Connection {self.conn_id!r} still reads its old tokens after saving: an AIRFLOW_CONN_ variable"
                " or a secrets backend shadows the metadata database")
        log.info("Connection %s: refreshed tokens saved", self.conn_id)
