"""Airflow's own authentication for the dashboard.

Every data route depends on :func:`airflow_access`: the Airflow JWT from the UI's
``_token`` cookie (set at login, sent by the browser with requests to the same
API server, so the dashboard works inside the UI's iframe) or an
``Authorization: Bearer`` token from ``POST /auth/token``. The token is validated
by the configured auth manager (signature, expiry, revocation) and the user must
be allowed to see plugin views (``AccessView.PLUGINS``). No token -> 401,
an invalid or revoked token -> 403, a user without access -> 403.

The dashboard's own actions (skip an opportunity) and the buttons it shows (make, approve, reject)
are decided by Airflow's auth manager for the DAG they act on (:func:`may`, :func:`require_dag_action`),
never by role name: whatever roles the auth manager knows, the dashboard asks it the question Airflow's
REST API asks for the same action.

The Prometheus endpoint also accepts a scrape token: the password of the Airflow
Connection ``acf_metrics_scrape`` (if it exists), compared in constant time.
"""
from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from fastapi import HTTPException, Request

SCRAPE_CONN_ID = "acf_metrics_scrape"


def airflow_access() -> Callable:
    """FastAPI dependency: an authenticated Airflow user allowed to view plugins."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view

    return requires_access_view(AccessView.PLUGINS)


async def check_airflow_token(request: Request) -> None:
    """The same check as :func:`airflow_access`, callable by hand (for routes that accept another credential)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView

    user = await current_user(request)
    if not get_auth_manager().is_authorized_view(access_view=AccessView.PLUGINS, user=user):
        raise HTTPException(status_code=403, detail="Forbidden")


async def current_user(request: Request):
    """FastAPI dependency: the signed-in Airflow user (bearer token first, else the UI's cookie), as
    Airflow's REST API resolves it."""
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    return await resolve_user_from_token(bearer(request) or request.cookies.get(COOKIE_NAME_JWT_TOKEN))


def may(user, dag_id: str, method: str, entity: str = "RUN") -> bool:
    """Whether Airflow's auth manager lets ``user`` do ``method`` on ``entity`` of ``dag_id``: the check of
    the REST API route for the same action (trigger: POST RUN; answer an approval: PUT HITL_DETAIL)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
    from airflow.configuration import conf

    team_name = None
    if conf.getboolean("core", "multi_team", fallback=False):
        from airflow.models.dag import DagModel

        team_name = DagModel.get_team_name(dag_id)
    return bool(get_auth_manager().is_authorized_dag(
        method=method, access_entity=DagAccessEntity[entity], details=DagDetails(id=dag_id, team_name=team_name),
        user=user))


def require_dag_action(dag_id: str, method: str, entity: str = "RUN") -> Callable:
    """FastAPI dependency: the signed-in user, if Airflow lets them do ``method`` on ``entity`` of
    ``dag_id``; else 403 (401 without a login)."""
    from fastapi import Depends

    async def check(user=Depends(current_user)):
        if not may(user, dag_id, method, entity):
            raise HTTPException(status_code=403, detail=f"Your Airflow role may not {method} {entity} of {dag_id}")
        return user

    return check


class ScrapeToken:
    """The Prometheus scrape token from a Connection's password, re-read at most once a minute."""

    def __init__(self, conn_id: str = SCRAPE_CONN_ID, ttl_seconds: float = 60.0) -> None:
        self.conn_id = conn_id
        self.ttl_seconds = ttl_seconds
        self._value: str | None = None
        self._read_at = float("-inf")

    def __call__(self) -> str | None:
        if time.monotonic() - self._read_at > self.ttl_seconds:
            self._value = self._lookup()
            self._read_at = time.monotonic()
        return self._value

    def _lookup(self) -> str | None:
        try:
            from airflow.sdk import BaseHook

            return BaseHook.get_connection(self.conn_id).password or None
        except Exception:  # noqa: BLE001 - no such Connection: scraping needs an Airflow token
            return None


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def matches_scrape_token(request: Request, expected: str | None) -> bool:
    presented = bearer(request)
    return bool(expected and presented and hmac.compare_digest(presented.encode(), expected.encode()))

