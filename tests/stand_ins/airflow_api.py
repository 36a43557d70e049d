"""Airflow 3.3's REST API, the part a task uses to save a Connection: ``POST /auth/token`` and
``GET``/``PATCH /api/v2/connections/{connection_id}``.

Shapes from Airflow 3.3.2's own source (``api_fastapi/core_api/routes/public/connections.py``,
``datamodels/connections.py``, ``services/public/connections.py``): the PATCH body is a
``ConnectionBody`` (``connection_id`` and ``conn_type`` required, ``extra`` a JSON string);
``update_mask=extra`` changes only the extra; a masked value (``***``) in it keeps the stored one
(``update_orm_from_pydantic``'s merge); 404 for a Connection not in the metadata database; answers
mask secret-looking extras. Editing Connections needs role ``op`` or above (the simple auth manager).

A task reads Connections through the Task SDK; in a test process that is the ``AIRFLOW_CONN_<ID>``
variable, so ``serve_to_sdk`` keeps it in step with what PATCH stored, as the Execution API serves the
metadata database's row to a worker.
"""
from __future__ import annotations

import json
import os
import secrets
import threading

from stand_ins.base import Request, StandIn, json_response

MASK = "***"
SECRET_WORDS = ("token", "secret", "password", "key")
ROLES = ("viewer", "user", "op", "admin")


def _masked(extra: dict) -> dict:
    return {k: (MASK if any(w in k.lower() for w in SECRET_WORDS) and v else v) for k, v in extra.items()}


class AirflowApiStandIn(StandIn):
    def __init__(self, users: dict[str, tuple[str, str]] | None = None, serve_to_sdk: bool = True):
        super().__init__()
        self.lock = threading.Lock()
        self.users = users or {"acf_service": ("service-password-1", "op"), "viewer": ("viewer-password-1", "viewer")}
        self.serve_to_sdk = serve_to_sdk
        self.connections: dict[str, dict] = {}
        self.sessions: dict[str, str] = {}
        self.patches: list[dict] = []
        self.route("POST", r"/auth/token", self._token)
        self.route("GET", r"/api/v2/connections/(?P<conn_id>[\w.-]+)", self._get)
        self.route("PATCH", r"/api/v2/connections/(?P<conn_id>[\w.-]+)", self._patch)

    def add_connection(self, conn_id: str, conn: dict) -> None:
        """A Connection in the "metadata database" (``conn_type``, ``host``, ``login``, ``password``, ``extra`` dict)."""
        with self.lock:
            self.connections[conn_id] = {**conn, "extra": dict(conn.get("extra") or {})}
            self._serve(conn_id)

    def extra(self, conn_id: str) -> dict:
        with self.lock:
            return dict(self.connections[conn_id]["extra"])

    def _serve(self, conn_id: str) -> None:
        if self.serve_to_sdk:
            os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(self.connections[conn_id])

    def _user(self, request: Request) -> str | None:
        return self.sessions.get(request.headers.get("authorization", "").removeprefix("Bearer ").strip())

    def _token(self, request: Request):
        body = request.json() or {}
        user = self.users.get(body.get("username", ""))
        if user is None or user[0] != body.get("password"):
            return json_response({"detail": "Invalid credentials"}, 401)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[token] = user[1]
        return json_response({"access_token": token}, 201)

    def _response(self, conn_id: str) -> dict:
        conn = self.connections[conn_id]
        return {"connection_id": conn_id, "conn_type": conn["conn_type"], "host": conn.get("host"),
                "login": conn.get("login"), "password": MASK if conn.get("password") else None,
                "extra": json.dumps(_masked(conn["extra"]))}

    def _get(self, request: Request):
        if self._user(request) is None:
            return json_response({"detail": "Not authenticated"}, 401)
        conn_id = request.match.group("conn_id")
        with self.lock:
            if conn_id not in self.connections:
                return json_response({"detail": f"The Connection with connection_id: `{conn_id}` was not found"}, 404)
            return self._response(conn_id)

    def _patch(self, request: Request):
        role = self._user(request)
        if role is None:
            return json_response({"detail": "Not authenticated"}, 401)
        if ROLES.index(role) < ROLES.index("op"):
            return json_response({"detail": "Forbidden"}, 403)
        conn_id = request.match.group("conn_id")
        body = request.json() or {}
        if body.get("connection_id") != conn_id or not body.get("conn_type"):
            return json_response({"detail": "connection_id must match the URL; conn_type is required"}, 400)
        mask = request.query.get("update_mask") or []
        with self.lock:
            if conn_id not in self.connections:
                return json_response({"detail": f"The Connection with connection_id: `{conn_id}` was not found"}, 404)
            stored = self.connections[conn_id]
            if not mask or "extra" in mask:
                new = json.loads(body.get("extra") or "{}")
                stored["extra"] = {k: (stored["extra"].get(k) if v == MASK else v) for k, v in new.items()}
            self.patches.append({"conn_id": conn_id, "update_mask": list(mask)})
            self._serve(conn_id)
            return self._response(conn_id)
