"""Planted secrets stay out of Airflow's audit log (the ``log`` table), where the factory records who did
what: Connections created, rotated and bulk-edited through the REST API with planted keys, the dashboard's
reads (the Security page and key ages read those Connections' dates) and a factory action whose body names
a secret-looking field. Every audit row (event, owner, extra) is searched for each planted key: zero.

In process: Airflow's API app with its simple auth manager over a throw-away metadata database.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from chaos import registry

TAG = uuid.uuid4().hex[:10]
SECRETS = {
    "conn_password": f"audit-pass-{TAG}-SECRET",
    "conn_rotated_password": f"audit-rotated-{TAG}-SECRET",
    "extra_api_key": f"audit-extra-{TAG}-SECRET",
    "bulk_password": f"audit-bulk-{TAG}-SECRET",
    "action_body_password": f"audit-body-{TAG}-SECRET",
}


@pytest.fixture
def api(tmp_path, pg_dsn, monkeypatch):
    from airflow import settings as airflow_settings
    from airflow.api_fastapi.app import create_app, get_auth_manager, init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models.base import Base
    from airflow.models.log import Log

    Base.metadata.create_all(airflow_settings.engine)
    with airflow_settings.Session() as session:
        session.query(Log).delete()
        session.commit()
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(pg_dsn)
    monkeypatch.setenv("AIRFLOW_CONN_ACF_POSTGRES", json.dumps({
        "conn_type": "postgres", "host": params.get("host"), "port": int(params["port"]) if params.get("port") else None,
        "login": params.get("user"), "password": params.get("password") or None, "schema": params["dbname"]}))
    monkeypatch.setenv("ACF_OBJECT_STORE", (tmp_path / "objects").as_uri())
    init_auth_manager()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="ADMIN"))
    app = create_app()
    from acf_dashboard import auth

    @app.post("/acf-test/make", dependencies=[Depends(auth.require_action("make")), Depends(auth.audit("make"))])
    def make() -> dict:
        return {"ok": True}

    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _audit_text() -> str:
    from airflow import settings as airflow_settings
    from airflow.models.log import Log

    with airflow_settings.Session() as session:
        return "\n".join(f"{r.event} {r.owner} {r.dag_id} {r.run_id} {r.extra}" for r in session.query(Log))


def test_no_planted_secret_reaches_the_audit_log(api, pg_conn):
    conn = {"connection_id": f"acf_audit_{TAG}", "conn_type": "acf_groq", "password": SECRETS["conn_password"],
            "extra": json.dumps({"api_key": SECRETS["extra_api_key"], "rotated_at": "2026-01-01"})}
    assert api.post("/api/v2/connections", json=conn).status_code == 201
    rotated = {**conn, "password": SECRETS["conn_rotated_password"], "extra": json.dumps({"rotated_at": "2026-12-01"})}
    assert api.patch(f"/api/v2/connections/{conn['connection_id']}", json=rotated).status_code == 200
    bulk = {"actions": [{"action": "create", "entities": [
        {"connection_id": f"acf_bulk_{TAG}", "conn_type": "generic", "password": SECRETS["bulk_password"],
         "extra": json.dumps({"token": SECRETS["bulk_password"]})}]}]}
    assert api.patch("/api/v2/connections", json=bulk).status_code == 200
    pg_conn.execute("INSERT INTO acf.connection_keys (conn_id, service, present) VALUES (%s, 'groq', true)"
                    " ON CONFLICT DO NOTHING", (conn["connection_id"],))
    pg_conn.commit()
    for path in ("/acf/api/keys", "/acf/security", "/acf/api/audit", "/acf/api/trends"):
        assert api.get(path).status_code == 200, path
    assert api.post("/acf-test/make", json={"opportunity_id": "opp_1",
                                            "password": SECRETS["action_body_password"]}).status_code == 200
    text = _audit_text()
    assert "acf.make" in text and "patch_connection" in text and "acf.read.api.keys" in text
    leaks = 0
    for name, secret in SECRETS.items():
        count = text.count(secret)
        if count:
            registry.record("secrets_leaked", count, what=f"{name} found {count}x in Airflow's audit log")
            leaks += count
    assert leaks == 0, registry.findings[-5:]
    pg_conn.execute("TRUNCATE acf.connection_keys")
    pg_conn.commit()
