"""Planted secrets never reach logs, return values (XComs), the acf tables or the object store.

Unique fake keys are planted in the Connections (AIRFLOW_CONN_* env vars) of the hooks this run
uses: OpenAI and Groq (API key in password), YouTube upload (client secret, access and refresh
tokens). Then the real code paths run against the stand-ins: angles and scripts through the tier
chain (hooks.configured.text_provider), once with a wrong OpenAI key that the stand-in echoes
back in its 401 message (as the real API does), with 10% faults; a YouTube upload through the hook.
Afterwards every captured log record, stdout/stderr, every returned value, every row of every
table in schema acf and every object in the store is searched for each secret: zero occurrences.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from acf import storage
from acf.opportunities import pipeline as opportunities, store
from chaos import faulty, registry
from stand_ins.groq import GroqStandIn
from hooks.configured import text_provider
from stand_ins.openai import OpenAIStandIn, connection_env, insert_trend

TAG = uuid.uuid4().hex[:10]
SECRETS = {
    "openai_key": f"sk-chaos-openai-{TAG}-SECRET",
    "openai_wrong_key": f"sk-chaos-wrong-{TAG}-SECRET",
    "groq_key": f"gsk-chaos-groq-{TAG}-SECRET",
    "yt_client_secret": f"yt-client-secret-{TAG}-SECRET",
    "yt_access": f"ya29.chaos-{TAG}-SECRET",
    "yt_refresh": f"1//chaos-refresh-{TAG}-SECRET",
}


def _leaks(where: str, text: str) -> int:
    found = 0
    for name, secret in SECRETS.items():
        count = text.count(secret)
        if count:
            registry.record("secrets_leaked", count, what=f"{name} found {count}x in {where}")
            found += count
    return found


def _tables_text(conn) -> dict[str, str]:
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'acf' AND table_type = 'BASE TABLE'")]
    return {t: "\n".join(r[0] for r in conn.execute(f'SELECT t::text FROM acf."{t}" t')) for t in tables}


@pytest.fixture
def planted(monkeypatch):
    with OpenAIStandIn(api_key=SECRETS["openai_key"]) as openai_server, \
            GroqStandIn(api_key=SECRETS["groq_key"]) as groq_server:
        openai_server.faults = faulty.RandomFaults(0.10, ("429", "500", "cut", "malformed"), seed=5)
        monkeypatch.setenv(*connection_env("acf_openai", "acf_openai", f"{openai_server.url}/v1",
                                           SECRETS["openai_key"], max_retries=0, timeout=2))
        monkeypatch.setenv(*connection_env("acf_groq", "acf_groq", groq_server.url, SECRETS["groq_key"],
                                           max_retries=0, timeout=2))
        monkeypatch.setenv(*connection_env("openai_wrong", "openai", f"{openai_server.url}/v1",
                                           SECRETS["openai_wrong_key"], max_retries=0))
        yield openai_server, groq_server


def test_no_planted_secret_leaks(pg_conn, object_root, planted, caplog, capfd, monkeypatch, tmp_path):
    caplog.set_level(logging.DEBUG)
    openai_server, groq_server = planted
    returned = []
    for n in range(registry.scaled(8, 3)):
        insert_trend(pg_conn, f"trd_secret_{n}", f"home espresso machines {n}", score=0.9 - n / 100)
    pg_conn.commit()
    returned.append(opportunities.score_trends(pg_conn, run_id="chaos-secrets"))
    tiers = {"chaos": {"text": ["openai", "groq"]}, "wrong": {"text": ["openai"]}}
    returned.append(opportunities.write_angles(pg_conn, tier="chaos", top_n=10, run_id="chaos-secrets", tiers=tiers,
                                               resolver=text_provider))
    pg_conn.commit()

    returned.append(_youtube_upload(pg_conn, object_root, monkeypatch))

    leaks = _scan(pg_conn, object_root, caplog, capfd, returned)
    assert openai_server.requests and groq_server.requests is not None
    assert leaks == 0, registry.findings[-5:]


def _scan(conn, object_root, caplog, capfd, returned) -> int:
    out, err = capfd.readouterr()
    logs = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    leaks = _leaks("logs", logs) + _leaks("stdout/stderr", out + err)
    leaks += _leaks("return values", json.dumps(returned, default=str))
    for table, text in _tables_text(conn).items():
        leaks += _leaks(f"acf.{table}", text)
    for path in object_root.rglob("*"):
        if path.is_file():
            leaks += _leaks(f"object {path.relative_to(object_root)}", path.read_bytes().decode("utf-8", "replace"))
    return leaks


def test_a_key_echoed_in_an_error_is_not_stored(pg_conn, object_root, planted, caplog, capfd):
    """The stand-in echoes a wrong key in its 401 (as the real API does): the failure is stored redacted."""
    caplog.set_level(logging.INFO)   # the task log level
    insert_trend(pg_conn, "trd_secret_wrong", "home espresso machines", score=0.9)
    pg_conn.commit()
    opportunities.score_trends(pg_conn, run_id="chaos-secrets-wrong")
    pg_conn.commit()
    from hooks.openai import OpenAIHook

    wrong = OpenAIHook("openai_wrong").text_provider()
    summary = opportunities.write_angles(pg_conn, tier="wrong", top_n=1, run_id="chaos-secrets-wrong",
                                         tiers={"wrong": {"text": ["openai"]}},
                                         resolver=lambda name: wrong if name == "openai" else None)
    pg_conn.commit()
    assert summary["skipped"], "the wrong key must fail the item"
    capfd.readouterr()   # stderr here also carries the previous test's Airflow log handlers: scanned there
    assert _scan(pg_conn, object_root, caplog, capfd, [summary]) == 0


def _youtube_upload(conn, root, monkeypatch):
    from airflow.sdk import Connection

    from acf.publishing.models import PlatformPackage
    from acf.publishing.publisher import publish
    from hooks.youtube_publish import YouTubePublishHook
    from stand_ins.youtube_upload import YouTubeUploadStandIn

    with YouTubeUploadStandIn() as server:
        server.valid_tokens = {SECRETS["yt_access"]}
        server.refresh_tokens = {SECRETS["yt_refresh"]}
        extras = {"access_token": SECRETS["yt_access"], "refresh_token": SECRETS["yt_refresh"],
                  "token_uri": f"{server.url}/token", "account": "channel-secret", "chunk_size": 256 * 1024,
                  "token_expires_at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}
        connection = Connection(conn_id="acf_youtube_upload", conn_type="acf_youtube_upload", host=server.url + "/",
                                login="client-id", password=SECRETS["yt_client_secret"], extra=json.dumps(extras))
        monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE_UPLOAD", connection.get_uri())
        video = storage.put_bytes(root, "renditions/cp_secret/9x16.mp4", b"v" * 300_000)
        conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
        conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                     " VALUES ('cp_secret', 'budget', 30, 'ready')")
        conn.commit()
        server.faults.add(faulty.KINDS["500"](), path=r"/sessions/")
        registry.record("faults_injected")
        package = PlatformPackage("cp_secret", "youtube", "Secrets stay secret", "Desc", ["chaos"], video.key, None,
                                  "9:16", {"category_id": "26", "privacy_status": "private",
                                           "self_declared_made_for_kids": False, "language": "en"})
        result = publish(conn, package, YouTubePublishHook().uploader(root, sleep=lambda s: None))
        conn.commit()
        assert result.state == "published", result
        return result
