"""Operator tests: execute() against the suite's PostgreSQL and a file:// object store, with a small context."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from psycopg.conninfo import conninfo_to_dict

from acf import storage


class FakeTaskInstance:
    def __init__(self):
        self.pushed: dict = {}

    def xcom_push(self, key, value):
        self.pushed[key] = value


@pytest.fixture
def factory(pg_dsn, pg_conn, object_root, monkeypatch):
    """The operators' Connection and object store point at the test database and root."""
    params = conninfo_to_dict(pg_dsn)
    monkeypatch.setenv("AIRFLOW_CONN_ACF_POSTGRES", json.dumps({
        "conn_type": "postgres", "host": params.get("host"),
        "port": int(params["port"]) if params.get("port") else None,
        "login": params.get("user"), "password": params.get("password") or None, "schema": params["dbname"]}))
    monkeypatch.setenv("ACF_OBJECT_STORE", object_root.as_uri())
    monkeypatch.setenv("ACF_TRENDS_MODE", "offline")
    return SimpleNamespace(conn=pg_conn, root=object_root)


@pytest.fixture
def context():
    def make(run_id: str = "manual__ops-test"):
        return {"run_id": run_id, "ti": FakeTaskInstance(),
                "dag_run": SimpleNamespace(run_after=datetime(2026, 11, 24, 7, 30, 0, 250000, tzinfo=timezone.utc))}

    return make


def seed_ready_piece(conn, root, content_id: str = "cnt_ready1", platforms=("youtube", "tiktok"),
                     tier: str = "offline") -> str:
    """A ready 30 s vertical piece with its rendition and thumbnail (no trend behind it)."""
    script = {"title": "Community solar gardens", "hook": "Your roof is optional.", "language": "en", "chapters": [],
              "call_to_action": "Follow for more.",
              "scenes": [{"index": 0, "narration": "Your roof is optional.", "visual_prompt": "sun", "seconds": 30}]}
    conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, title, script, status, platforms)"
                 " VALUES (%s, %s, 30, %s, %s, 'ready', %s)",
                 (content_id, tier, script["title"], json.dumps(script), list(platforms)))
    video = storage.put_bytes(root, storage.key("content", content_id, "video_9x16.mp4"), b"\0\0\0\x18ftypmp42" * 50)
    conn.execute("INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height, duration_seconds,"
                 " object_key, bytes, checksum) VALUES (%s, %s, '9:16', 1080, 1920, 30, %s, %s, %s)",
                 (f"rd_{content_id}", content_id, video.key, video.bytes, video.checksum))
    thumb = storage.put_bytes(root, storage.key("content", content_id, "thumbnail.jpg"), b"\xff\xd8\xff thumb")
    conn.execute("INSERT INTO acf.assets (asset_id, content_id, kind, provider, object_key, bytes, checksum)"
                 " VALUES (%s, %s, 'thumbnail', 'local', %s, %s, %s)",
                 (f"as_{content_id}", content_id, thumb.key, thumb.bytes, thumb.checksum))
    conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    conn.commit()
    return content_id
