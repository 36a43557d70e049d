"""TikTokHook against the loopback Content Posting API stand-in (real HTTP, faults injected)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk import Connection

from acf import storage
from acf.publishing import ledger
from acf.publishing.errors import NotPublishableError
from acf.publishing.models import PlatformPackage
from acf.publishing.publisher import publish
from acf.publishing.tiktok_api import chunk_plan
from hooks.tiktok import TikTokHook
from stand_ins.base import Fault
from stand_ins.tiktok import SMALL_CHUNKS, small_chunks

RULE = SMALL_CHUNKS


@pytest.fixture
def server():
    with small_chunks() as stand_in:
        yield stand_in


@pytest.fixture
def video(object_root):
    stored = storage.put_bytes(object_root, "renditions/cp_tt/9x16.mp4", bytes(range(256)) * 800)  # 200 KB
    return stored.key


def connect(monkeypatch, server, expires_in=timedelta(hours=2), **extra):
    extras = {"access_token": "tt-access-1", "refresh_token": "tt-refresh-1", "account": "creator-1",
              "token_expires_at": (datetime.now(timezone.utc) + expires_in).isoformat(), **extra}
    conn = Connection(conn_id="acf_tiktok", conn_type="acf_tiktok", host=server.url, login="ck",
                      password="cs", extra=json.dumps(extras))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_TIKTOK", conn.get_uri())


def package(key, content_id="cp_tt", **extra):
    return PlatformPackage(content_id, "tiktok", "Espresso", f"Espresso at home {content_id} #Coffee", ["#Coffee"],
                           key, None, "9:16", {"duration_seconds": 30, "privacy_level": "SELF_ONLY", **extra})


def uploader(object_root):
    return TikTokHook().uploader(object_root, sleep=lambda s: None, poll_seconds=0, chunk_rule=RULE)


@pytest.fixture
def piece(pg_conn):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    for cid in ("cp_tt", "cp_tt2"):
        pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                        " VALUES (%s, 'budget', 30, 'ready')", (cid,))
    pg_conn.commit()
    return pg_conn


def test_chunk_plan_follows_tiktok_rules():
    real = {"min_bytes": 5 * 2**20, "preferred_bytes": 10 * 2**20, "max_bytes": 64 * 2**20,
            "last_max_bytes": 128 * 2**20, "max_count": 1000}
    assert chunk_plan(3 * 2**20, real) == (3 * 2**20, 1)          # under 5 MB: one chunk
    assert chunk_plan(25 * 2**20, real) == (10 * 2**20, 2)        # last chunk takes the rest (15 MB)
    with pytest.raises(NotPublishableError):
        chunk_plan(0, real)


def test_upload_in_order_chunks_and_publish(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "published" and result.external_id == server.posts[0]["id"]
    puts = server.requests_to(r"^/upload/")
    assert [r.headers["content-range"] for r in puts] == [
        "bytes 0-65535/204800", "bytes 65536-131071/204800", "bytes 131072-204799/204800"]
    assert server.protocol_errors == [] and len(server.posts) == 1
    assert "tt-access-1" not in json.dumps(ledger.get(piece, result.publication_id), default=str)


def test_faults_429_500_and_cut_chunk_are_survived(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.too_many(retry_after=0), path=r"/video/init/")
    server.faults.add(Fault.server_error(503), path=r"^/upload/")
    server.faults.add(Fault.cut(), path=r"^/upload/")  # chunk stored, answer lost: it is sent again
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "published"
    assert server.protocol_errors == [] and len(server.posts) == 1 and server.duplicates() == 0
    assert len(server.requests_to(r"/video/init/")) == 2


def test_token_expired_mid_run_is_refreshed_once(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    up = uploader(object_root)
    original = up.upload

    def expire_then_upload(*args, **kwargs):
        server.expire("tt-access-1")  # the platform revokes the token while we work
        return original(*args, **kwargs)

    up.upload = expire_then_upload
    assert publish(piece, package(video), up).state == "published"
    assert up.api.tokens.refreshes == 1 and len(server.posts) == 1


def test_token_refreshed_before_expiry(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server, expires_in=timedelta(minutes=1))  # inside the refresh margin
    up = uploader(object_root)
    assert publish(piece, package(video), up).state == "published"
    assert up.api.tokens.refreshes == 1
    assert all(r.headers.get("authorization") != "Bearer tt-access-1" for r in server.requests_to(r"^/v2/post"))


def test_failed_refresh_marks_needs_reauth_and_stops(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server, expires_in=timedelta(seconds=-10))
    server.refresh_tokens.clear()  # the user revoked the app
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "needs_reauth" and "re-authorise" in result.error
    assert len(server.requests_to(r"/oauth/token/")) == 1  # no blind retries
    assert server.requests_to(r"^/v2/post|^/upload") == []
    assert "tt-refresh-1" not in (result.error or "")


def test_kill_mid_upload_resumes_same_post(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    up = uploader(object_root)
    original = up._send_chunks

    class Killed(BaseException):
        pass

    def killed_after_first_chunk(path, size, url, start, save):
        def save_then_die(update):
            save(update)
            if update.get("next_chunk") == 1:
                raise Killed()
        return original(path, size, url, start, save_then_die)

    up._send_chunks = killed_after_first_chunk
    with pytest.raises(Killed):
        publish(piece, package(video), up)
    row = piece.execute("SELECT state, upload_state FROM acf.publications").fetchone()
    assert row[0] == "uploading" and row[1]["next_chunk"] == 1
    result = publish(piece, package(video), uploader(object_root))  # the task's retry, new process
    assert result.state == "published"
    assert len(server.requests_to(r"/video/init/")) == 1 and len(server.requests_to(r"^/upload/")) == 3
    assert len(server.posts) == 1


def test_lost_init_answer_is_reconciled_from_the_video_list(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    pkg = package(video)
    assert publish(piece, pkg, uploader(object_root)).state == "published"
    pub_id = ledger.publication_id("cp_tt", "tiktok", "creator-1")
    # Pretend the first run died after the post went out but before the ledger heard back.
    piece.execute("UPDATE acf.publications SET state = 'uploading', external_id = NULL,"
                  " upload_state = '{\"init_sent\": true, \"quota_spent\": \"x\"}' WHERE publication_id = %s", (pub_id,))
    piece.commit()
    result = publish(piece, pkg, uploader(object_root))
    assert result.state == "published" and result.external_id == server.posts[0]["id"]
    assert len(server.posts) == 1 and len(server.requests_to(r"/video/init/")) == 1


def test_init_rate_limit_beyond_the_minute_defers(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    server.init_limit = 0
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "deferred"
    assert len(server.posts) == 0


def test_test_connection_reports_creator(monkeypatch, server):
    connect(monkeypatch, server)
    assert TikTokHook().test_connection() == (True, "connected as factory")


@pytest.mark.parametrize("ai_generated", [True, False])
def test_ai_made_media_is_declared_in_post_info(monkeypatch, server, video, object_root, piece, ai_generated):
    connect(monkeypatch, server)
    assert publish(piece, package(video, ai_generated=ai_generated), uploader(object_root)).state == "published"
    assert server.posts[0]["post_info"]["is_aigc"] is ai_generated
