"""Airflow's own authentication for the dashboard.

Every data route depends on :func:`airflow_access`: the Airflow JWT from the UI's
``_token`` cookie (set at login, sent by the browser with requests to the same
API server, so the dashboard works inside the UI's iframe) or an
``Authorization: Bearer`` token from ``POST /auth/token``. The token is validated
by the configured auth manager (signature, expiry, revocation) and the user must
be allowed to see plugin views (``AccessView.PLUGINS``). No token -> 401,
an invalid or revoked token -> 403, a user without access -> 403.

The Prometheus endpoint also accepts a scrape token: the password of the Airflow
Connection ``acf_metrics_scrape`` (if it exists), compared in constant time.

What a user may *do* (trigger, skip, approve, reject, read the audit log) is decided in one place,
Airflow's auth manager, through :func:`require_dag_action` / :func:`require_action` (see
:data:`FACTORY_ACTIONS`); what is done is written to Airflow's audit log with :func:`audit`.
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
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import resolve_user_from_token

    user = await resolve_user_from_token(bearer(request) or request.cookies.get(COOKIE_NAME_JWT_TOKEN))
    if not get_auth_manager().is_authorized_view(access_view=AccessView.PLUGINS, user=user):
        raise HTTPException(status_code=403, detail="Forbidden")


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



# -- authorisation of the factory's actions -------------------------------------------------------------
# Each dashboard action is the Airflow permission it stands for, so the roles are decided in one place:
# Airflow's auth manager (FAB's RBAC under `make run`, roles.yaml; the simple auth manager elsewhere).
# name -> (dag_id, method, DAG sub-entity): what `is_authorized_dag` is asked.
FACTORY_ACTIONS: dict[str, tuple[str, str, str]] = {
    "trigger_trends": ("acf_trends", "POST", "RUN"),        # fetch trends now
    "make": ("acf_production", "POST", "RUN"),              # "Make this": trigger acf_production
    "skip": ("acf_production", "POST", "RUN"),              # "Skip": a production decision, same right as make
    "approve": ("acf_publish", "PUT", "HITL_DETAIL"),       # answer acf_publish's approval
    "reject": ("acf_publish", "PUT", "HITL_DETAIL"),
}


def require_dag_action(dag_id: str, method: str = "POST", entity: str | None = "RUN") -> Callable:
    """FastAPI dependency: the signed-in user may do ``method`` on ``entity`` of DAG ``dag_id``.

    Built on Airflow's own ``requires_access_dag`` (airflow/api_fastapi/core_api/security.py), i.e. the
    auth manager's ``is_authorized_dag(method, access_entity, DagDetails(id=dag_id))``, the very check
    the REST API makes for the same call, so it works with whichever auth manager is configured:

    - trigger a run (``"POST"``, ``"RUN"``): FAB asks (can_create, DAG Runs) and (can_edit, DAG:<dag_id>)
      (a Creator has them for acf_trends and acf_production only); the simple auth manager, role USER+;
    - answer an approval (``"PUT"``, ``"HITL_DETAIL"``): FAB asks (can_edit, HITL Detail) and
      (can_edit, DAG:acf_publish) (a Reviewer); when the HITL step names assigned users, also call
      :func:`may_answer` with them, as Airflow's own PATCH .../hitlDetails does;
    - read (``"GET"``): any role.

    No or an expired token: 401; an invalid token or a refused action: 403 (never 500). Use it as
    ``@router.post(..., dependencies=[Depends(require_dag_action("acf_production"))])`` or, to get the
    user, ``user = Depends(require_dag_action(...))`` is not needed: Airflow's ``GetUserDep`` gives it.
    """
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    access_entity = DagAccessEntity[entity] if entity else None
    return requires_access_dag(method=method, access_entity=access_entity, param_dag_id=dag_id)


def require_action(name: str) -> Callable:
    """:func:`require_dag_action` for a named factory action of :data:`FACTORY_ACTIONS` (``"make"``, ``"skip"``...)."""
    try:
        dag_id, method, entity = FACTORY_ACTIONS[name]
    except KeyError:
        raise ValueError(f"unknown factory action {name!r}; known: {', '.join(FACTORY_ACTIONS)}") from None
    return require_dag_action(dag_id, method, entity)


def may_dag(request: Request, user, dag_id: str, method: str = "GET", entity: str | None = "RUN") -> bool:
    """Whether ``user`` may do ``method`` on ``entity`` of ``dag_id``: :func:`require_dag_action`'s own check,
    asked without refusing, so a page can show a button on or off (the call it makes still refuses: 403)."""
    try:
        require_dag_action(dag_id, method, entity)(request, user)
    except HTTPException as exc:
        if exc.status_code == 403:
            return False
        raise
    return True


def may(request: Request, user, name: str) -> bool:
    """:func:`may_dag` for a named factory action of :data:`FACTORY_ACTIONS` (``"make"``, ``"approve"``...)."""
    if name not in FACTORY_ACTIONS:
        raise ValueError(f"unknown factory action {name!r}; known: {', '.join(FACTORY_ACTIONS)}")
    return may_dag(request, user, *FACTORY_ACTIONS[name])


def may_answer(user, assigned_users: set[str] | None) -> bool:
    """Whether ``user`` may answer a HITL step with these assigned users (none: anyone allowed by the route)."""
    if not assigned_users:
        return True
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager().is_authorized_hitl_task(assigned_users=set(assigned_users), user=user)


def require_audit_access() -> Callable:
    """Dependency: the user may read Airflow's audit log (``GET /api/v2/eventLogs``' own check).

    Airflow's ``requires_access_event_log("GET")``: FAB grants (can_read, Audit Logs) to Admin only;
    the simple auth manager lets every role read it.
    """
    from airflow.api_fastapi.core_api.security import requires_access_event_log

    return requires_access_event_log("GET")


def audit(event: str) -> Callable:
    """Dependency: record the request in Airflow's audit log (the ``log`` table, ``GET /api/v2/eventLogs``).

    Airflow's own ``action_logging`` (airflow/api_fastapi/logging/decorators.py), as its REST routes use it:
    the user (``owner``), the time (``dttm``), the event ``acf.<event>``, the query/path parameters and the
    JSON body in ``extra``, each value passed through Airflow's secrets masker (a field named like a
    secret is stored as ``***``), and dag_id / run_id when the request names them. List it after the
    authorisation dependency: a refused request is not recorded as done.
    """
    from airflow.api_fastapi.logging.decorators import action_logging

    return action_logging(event=f"{AUDIT_PREFIX}{event}")


def audit_unless_refresh(event: str) -> Callable:
    """:func:`audit`, except for a page's own refreshes (``?part=...``, fetched every few seconds by a page
    already recorded when it was opened): the audit log keeps what a person opened, not the polling."""
    from typing import get_args

    from airflow.api_fastapi.common.db.common import SessionDep
    from airflow.api_fastapi.core_api.security import GetUserDep

    record = audit(event)
    # the same session and user dependencies as ``audit``'s own (given as defaults: this module's
    # annotations are strings, resolved from its globals)
    session_dep, user_dep = get_args(SessionDep)[1], get_args(GetUserDep)[1]

    async def unless_refresh(request: Request, session=session_dep, user=user_dep) -> None:
        if "part" not in request.query_params:
            await record(request, session, user)

    return unless_refresh


AUDIT_PREFIX = "acf."
