"""The dashboard's security: reads recorded in Airflow's audit log, the Security page (key ages, the
audit trail), the key-age banner and metrics, and the authorisation helper other routes use.

In process, with Airflow's simple auth manager (roles admin/user/viewer); the factory's FAB roles
(Creator, Reviewer...) are exercised against a running stack in tests/e2e/test_factory_stack.py.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from .conftest import bearer


def _log_rows(event: str) -> list:
    from airflow.models.log import Log
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return [(r.owner, r.dttm, r.extra) for r in session.scalars(select(Log).where(Log.event == event))]


def test_a_dashboard_read_is_recorded_with_user_and_time(client, airflow_tokens):
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert client.get("/acf/api/trends?per_page=3", headers=bearer(airflow_tokens["viewer"])).status_code == 200
    rows = [r for r in _log_rows("acf.read.api.trends") if r[1] >= before]
    assert rows and rows[-1][0] == "viewer"
    assert json.loads(rows[-1][2])["per_page"] == "3"
    assert client.get("/acf/trends", headers=bearer(airflow_tokens["admin"])).status_code == 200
    assert any(owner == "admin" for owner, *_ in _log_rows("acf.read.trends"))
    # a refused read is not recorded as done
    count = len(_log_rows("acf.read.api.costs"))
    assert client.get("/acf/api/costs", headers=bearer(airflow_tokens["norole"])).status_code == 403
    assert len(_log_rows("acf.read.api.costs")) == count


@pytest.fixture
def keys(seeded_dsn):
    """Three recorded Connections: rotated 120 days ago, 10 days ago, and undated (changed in the audit
    log 100 days ago); removed after."""
    from airflow.models.log import Log
    from airflow.utils.session import create_session

    now = datetime.now(timezone.utc)
    with psycopg.connect(seeded_dsn["dsn"]) as conn:
        conn.execute("TRUNCATE acf.connection_keys")
        conn.cursor().executemany("INSERT INTO acf.connection_keys (conn_id, service, present, rotated_at) VALUES (%s, %s, true, %s)",
                         [("acf_old", "groq", now - timedelta(days=120)), ("acf_fresh", "openai", now - timedelta(days=10)),
                          ("acf_undated", "x", None)])
    with create_session() as session:
        entry = Log(event="patch_connection", extra=json.dumps({"connection_id": "acf_undated", "password": "***"}))
        entry.dttm = now - timedelta(days=100)
        session.add(entry)
    yield
    with psycopg.connect(seeded_dsn["dsn"]) as conn:
        conn.execute("TRUNCATE acf.connection_keys")


def test_overdue_keys_show_a_warning_a_metric_and_the_security_page(client, airflow_tokens, keys):
    page = client.get("/acf/trends", headers=bearer(airflow_tokens["viewer"]))
    assert page.status_code == 200
    assert 'class="warning key-age"' in page.text and "acf_old" in page.text and "acf_undated" in page.text
    assert "acf_fresh" not in page.text
    metrics = client.get("/acf/metrics", headers=bearer(airflow_tokens["viewer"])).text
    assert 'acf_connection_key_overdue{conn_id="acf_old"} 1' in metrics
    assert 'acf_connection_key_overdue{conn_id="acf_fresh"} 0' in metrics
    assert 'acf_connection_key_age_days{conn_id="acf_undated",dated_from="audit_log"} 100' in metrics
    listed = client.get("/acf/api/keys", headers=bearer(airflow_tokens["admin"])).json()
    by_id = {k["conn_id"]: k for k in listed["items"]}
    assert by_id["acf_undated"]["dated_from"] == "audit_log" and by_id["acf_undated"]["overdue"] is True
    assert by_id["acf_fresh"]["overdue"] is False and listed["max_age_days"] == 90
    security = client.get("/acf/security", headers=bearer(airflow_tokens["admin"]))
    assert security.status_code == 200 and "Audit trail" in security.text and "acf.read.api.keys" in security.text
    assert "overdue" in security.text and "audit_log" in security.text


def test_the_audit_trail_lists_factory_events_newest_first(client, airflow_tokens):
    client.get("/acf/api/content", headers=bearer(airflow_tokens["admin"]))
    trail = client.get("/acf/api/audit?per_page=5", headers=bearer(airflow_tokens["admin"])).json()
    # reading the trail is itself recorded (first), then the read before it
    assert [i["event"] for i in trail["items"][:2]] == ["acf.read.api.audit", "acf.read.api.content"]
    assert trail["items"][1]["user"] == "admin"
    whens = [i["when"] for i in trail["items"]]
    assert whens == sorted(whens, reverse=True)
    assert client.get("/acf/api/audit", headers=bearer(airflow_tokens["norole"])).status_code == 403
    assert client.get("/acf/api/audit").status_code == 401


@pytest.fixture(scope="module")
def action_app(airflow_tokens):
    """Routes as the dashboard's actions use the helper: make (acf_production) and approve (acf_publish)."""
    from airflow import settings as airflow_settings
    from airflow.models.base import Base

    from acf_dashboard import auth

    # A DAG-level check looks the DAG's team up (dag, dag_bundle, team tables): the whole metadata schema.
    Base.metadata.create_all(airflow_settings.engine)

    app = FastAPI()

    @app.post("/make", dependencies=[Depends(auth.require_action("make")), Depends(auth.audit("make"))])
    def make() -> dict:
        return {"made": True}

    @app.post("/approve", dependencies=[Depends(auth.require_action("approve"))])
    def approve() -> dict:
        return {"approved": True}

    @app.get("/read", dependencies=[Depends(auth.require_dag_action("acf_production", "GET"))])
    def read() -> dict:
        return {}

    with TestClient(app) as test_client:
        yield test_client


def _user_token():
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="maker", role="USER"))


def test_the_authorisation_helper_asks_airflows_auth_manager(action_app, airflow_tokens):
    user = _user_token()
    assert action_app.post("/make", headers=bearer(user)).status_code == 200
    assert any(owner == "maker" for owner, *_ in _log_rows("acf.make"))
    assert action_app.post("/make", headers=bearer(airflow_tokens["viewer"])).status_code == 403
    assert action_app.post("/approve", headers=bearer(airflow_tokens["viewer"])).status_code == 403
    assert action_app.post("/approve", headers=bearer(airflow_tokens["admin"])).status_code == 200
    assert action_app.get("/read", headers=bearer(airflow_tokens["viewer"])).status_code == 200
    assert action_app.post("/make").status_code == 401
    assert action_app.post("/make", headers=bearer("not-a-token")).status_code == 403


def test_an_unknown_action_is_a_clear_error():
    from acf_dashboard import auth

    with pytest.raises(ValueError, match="unknown factory action 'publish_now'"):
        auth.require_action("publish_now")
    assert auth.may_answer(object(), set()) is True


def test_the_service_connection_is_saved_encrypted_and_updated_in_place(airflow_tokens):
    """compose's airflow-init saves acf_airflow_api with the acf_service password (fab_roles
    --service-connection); tasks read it through Airflow's Connection lookup."""
    from airflow.models import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select, text

    from acf_dashboard.fab_roles import save_service_connection

    def remove() -> None:
        with create_session() as session:
            session.execute(text("DELETE FROM connection WHERE conn_id = 'acf_airflow_api'"))

    remove()
    try:
        save_service_connection("http://airflow-apiserver:8080", "first-secret-value")
        save_service_connection("http://airflow-apiserver:8080", "second-secret-value")    # a rerun of init
        found = Connection.get_connection_from_secrets("acf_airflow_api")
        assert (found.conn_type, found.host, found.login, found.password) == (
            "http", "http://airflow-apiserver:8080", "acf_service", "second-secret-value")
        with create_session() as session:
            rows = session.scalars(select(Connection).where(Connection.conn_id == "acf_airflow_api")).all()
            stored = session.execute(text("SELECT password FROM connection WHERE conn_id = 'acf_airflow_api'")).scalar()
        assert len(rows) == 1
        assert stored and "second-secret-value" not in stored          # Fernet-encrypted at rest
    finally:
        remove()   # the worker's other tests run without it (refreshed tokens stay in memory)
