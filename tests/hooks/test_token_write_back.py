"""Rotated OAuth tokens are written back to the Connection, under a lock, so no worker refreshes with a spent one.

TikTok rotates refresh tokens (the stand-in refuses a spent one with invalid_grant, as TikTok's docs say).
Two workers refreshing the same account at once: the first refreshes and saves the new pair through
Airflow's REST API (a stand-in of it), the second waits on the PostgreSQL advisory lock, reads the saved
pair and uses it. The platform sees one refresh; the Connection ends with the newest pair.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
from psycopg.conninfo import conninfo_to_dict

from acf import storage
from acf.publishing.errors import NeedsReauthError
from acf.publishing.hook_support import token_from_extras
from acf.publishing.http import TokenManager
from acf.publishing.models import PlatformPackage
from acf.publishing.publisher import publish
from hooks.tiktok import TikTokHook
from stand_ins.airflow_api import AirflowApiStandIn
from stand_ins.tiktok import SMALL_CHUNKS, TikTokStandIn, small_chunks



@pytest.fixture
def tiktok():
    with small_chunks() as stand_in:
        yield stand_in


@pytest.fixture
def airflow_api(monkeypatch, pg_dsn):
    """Airflow's REST API stand-in holding the platform Connection, the service credential to it, and the
    factory database for the lock."""
    params = conninfo_to_dict(pg_dsn)
    monkeypatch.setenv("AIRFLOW_CONN_ACF_POSTGRES", json.dumps({
        "conn_type": "postgres", "host": params.get("host"), "port": int(params["port"]) if params.get("port") else None,
        "login": params.get("user"), "password": params.get("password") or None, "schema": params["dbname"]}))
    with AirflowApiStandIn() as api:
        monkeypatch.setenv("AIRFLOW_CONN_ACF_AIRFLOW_API", json.dumps({
            "conn_type": "http", "host": api.url, "login": "acf_service", "password": "service-password-1"}))
        yield api
    monkeypatch.delenv("AIRFLOW_CONN_ACF_TIKTOK", raising=False)


def tiktok_connection(api: AirflowApiStandIn, server: TikTokStandIn, expires_in: timedelta) -> None:
    api.add_connection("acf_tiktok", {
        "conn_type": "acf_tiktok", "host": server.url, "login": "ck", "password": "cs-secret-value",
        "extra": {"access_token": "tt-access-1", "refresh_token": "tt-refresh-1", "account": "creator-1",
                  "token_expires_at": (datetime.now(timezone.utc) + expires_in).isoformat()}})


def worker_manager(shared: bool = True) -> TokenManager:
    """What one worker process builds from the Connection (the hook's wiring, without the per-process cache)."""
    hook = TikTokHook()
    extras = hook.connection.extra_dejson
    return TokenManager(token_from_extras(extras), hook._refresher(), account=hook.account,
                        **(hook._token_sharing() if shared else {}))


def refresh_at_once(managers: list[TokenManager]) -> list:
    barrier = threading.Barrier(len(managers))
    results: list = [None] * len(managers)

    def work(index: int) -> None:
        barrier.wait()
        try:
            results[index] = managers[index].current()
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(managers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_workers_refreshing_at_once_both_succeed_with_one_refresh(tiktok, airflow_api):
    tiktok_connection(airflow_api, tiktok, expires_in=timedelta(seconds=-30))   # expired for everyone
    first, second = worker_manager(), worker_manager()

    results = refresh_at_once([first, second])

    assert all(isinstance(r, str) for r in results), results
    assert results[0] == results[1] != "tt-access-1"          # both use the one new access token
    assert tiktok.refreshes == 1 and tiktok.refused_refreshes == []
    saved = airflow_api.extra("acf_tiktok")
    assert saved["access_token"] == results[0]
    assert saved["refresh_token"] in tiktok.refresh_tokens and saved["refresh_token"] != "tt-refresh-1"
    assert "tt-refresh-1" not in tiktok.refresh_tokens        # the spent one is dead: only the saved pair works
    assert datetime.fromisoformat(saved["token_expires_at"]) > datetime.now(timezone.utc)
    assert saved["account"] == "creator-1"                    # the rest of the extra is kept
    assert [p["update_mask"] for p in airflow_api.patches] == [["extra"]]
    assert first.refreshes + second.refreshes == 1            # one refreshed, the other adopted the saved pair


def test_without_write_back_the_second_worker_refreshes_with_a_spent_token(tiktok, airflow_api):
    """What happened before: each worker kept its refresh in memory; TikTok refuses the spent token."""
    tiktok_connection(airflow_api, tiktok, expires_in=timedelta(seconds=-30))
    first, second = worker_manager(shared=False), worker_manager(shared=False)
    first.current()
    with pytest.raises(NeedsReauthError):
        second.current()
    assert tiktok.refused_refreshes == ["tt-refresh-1"]


def test_a_later_worker_starts_from_the_saved_pair(tiktok, airflow_api):
    """The next day's worker reads the Connection TikTok's rotation left, not the pair it was created with."""
    tiktok_connection(airflow_api, tiktok, expires_in=timedelta(seconds=-30))
    worker_manager().current()
    newest = airflow_api.extra("acf_tiktok")
    airflow_api.add_connection("acf_tiktok", {**airflow_api.connections["acf_tiktok"],
                                              "extra": {**newest, "token_expires_at": "2000-01-01T00:00:00+00:00"}})
    later = worker_manager()
    assert later.token.refresh_token == newest["refresh_token"]
    later.current()                                           # refreshes with the saved (valid) refresh token
    assert tiktok.refreshes == 2 and tiktok.refused_refreshes == []


def test_publish_refreshes_saves_and_never_logs_the_tokens(tiktok, airflow_api, object_root, pg_conn, caplog):
    caplog.set_level(logging.DEBUG)
    tiktok_connection(airflow_api, tiktok, expires_in=timedelta(minutes=1))       # inside the refresh margin
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_tw', 'budget', 30, 'ready')")
    pg_conn.commit()
    key = storage.put_bytes(object_root, "renditions/cp_tw/9x16.mp4", bytes(range(256)) * 400).key
    package = PlatformPackage("cp_tw", "tiktok", "Espresso", "Espresso at home #Coffee", ["#Coffee"], key, None,
                              "9:16", {"duration_seconds": 30, "privacy_level": "SELF_ONLY"})
    hook = TikTokHook()
    hook.__dict__["tokens"] = worker_manager()      # not the process-wide cache other tests share
    result = publish(pg_conn, package, hook.uploader(object_root, sleep=lambda s: None, poll_seconds=0,
                                                     chunk_rule=SMALL_CHUNKS))
    assert result.state == "published" and len(tiktok.posts) == 1
    saved = airflow_api.extra("acf_tiktok")
    assert saved["refresh_token"] != "tt-refresh-1" and saved["refresh_token"] in tiktok.refresh_tokens
    for secret in (saved["access_token"], saved["refresh_token"], "tt-refresh-1", "cs-secret-value"):
        assert secret not in caplog.text


def test_a_connection_outside_the_metadata_database_is_reported_and_the_post_goes_on(
        tiktok, airflow_api, monkeypatch, caplog):
    """An AIRFLOW_CONN_ variable cannot be written through the API (404): the worker keeps its fresh pair,
    and the log says what is at risk, without the tokens."""
    monkeypatch.setenv("AIRFLOW_CONN_ACF_TIKTOK", json.dumps({
        "conn_type": "acf_tiktok", "host": tiktok.url, "login": "ck", "password": "cs-secret-value",
        "extra": {"access_token": "tt-access-1", "refresh_token": "tt-refresh-1",
                  "token_expires_at": (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()}}))
    manager = worker_manager()
    token = manager.current()
    assert token != "tt-access-1" and tiktok.refreshes == 1
    assert "could not be saved" in caplog.text and "not in Airflow's metadata database" in caplog.text
    assert token not in caplog.text and "tt-refresh-r" not in caplog.text
