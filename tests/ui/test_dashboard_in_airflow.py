"""The plugin inside Airflow's own API server app: mounted at /acf, listed in the UI navigation,
protected by Airflow's authentication, reading the factory database through the acf_postgres Connection."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict


@pytest.fixture(scope="module")
def airflow_api(seeded_dsn, airflow_tokens):
    params = conninfo_to_dict(seeded_dsn["dsn"])
    patch = pytest.MonkeyPatch()
    patch.setenv("AIRFLOW_CONN_ACF_POSTGRES", json.dumps({
        "conn_type": "postgres", "host": params.get("host"), "port": int(params["port"]) if params.get("port") else None,
        "login": params.get("user"), "password": params.get("password") or None, "schema": params["dbname"]}))
    patch.setenv("ACF_OBJECT_STORE", seeded_dsn["root"].as_uri())
    from airflow.api_fastapi.app import create_app

    with TestClient(create_app(), follow_redirects=False) as client:
        yield client
    patch.undo()


def test_the_plugin_is_registered_for_the_api_server_and_the_ui():
    from airflow import plugins_manager

    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [a["url_prefix"] for a in apps if a["name"] == "Content Factory dashboard"] == ["/acf"]
    views, _ = plugins_manager._get_ui_plugins()
    view = next(v for v in views if v["name"] == "Content Factory")
    assert view["href"] == "/acf/trends" and view["url_route"] == "content-factory" and view["destination"] == "nav"


def test_airflow_serves_the_dashboard_only_to_signed_in_users(airflow_api, airflow_tokens, sample_media):
    assert airflow_api.get("/acf/trends").status_code == 401
    assert airflow_api.get("/acf/api/content").status_code == 401
    # As the UI does it: the login cookie (the REST API's bearer token works too).
    airflow_api.cookies.set("_token", airflow_tokens["admin"])
    try:
        page = airflow_api.get("/acf/trends")
        assert page.status_code == 200 and "Sample topic 1" in page.text
        video = airflow_api.get("/acf/media/rendition/rend_sample000", headers={"Range": "bytes=0-99"})
        assert video.status_code == 206 and video.content == sample_media["video"][:100]
    finally:
        airflow_api.cookies.clear()
    listed = airflow_api.get("/api/v2/plugins", headers={"Authorization": f"Bearer {airflow_tokens['admin']}"})
    assert listed.status_code == 200
    plugin = next(p for p in listed.json()["plugins"] if p["name"] == "acf_dashboard")
    assert plugin["external_views"][0]["url_route"] == "content-factory"
