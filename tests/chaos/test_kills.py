"""SIGKILL in the middle of a trend load, a render and an upload; the rerun finishes cleanly.

Each step runs in a child process exactly as a task would (stage functions, one connection,
commit at the end). The parent kills the child's process group at a known point inside the step,
then runs the same step again, as Airflow's retry would:

* trend load (COPY into the real PostgreSQL): killed with half the observations written inside
  the open transaction. Nothing is visible after the kill; the rerun loads every payload once;
  a third run adds nothing; per-trend observation counts equal the rows (no double counting).
* render (acf.media.production.render_content, ffmpeg running): nothing marked rendered or ready,
  no partial object; the rerun renders, checks and marks ready one rendition per aspect whose
  stored bytes match the recorded checksum.
* upload (YouTube resumable upload through the hook against its stand-in): killed while the
  second chunk is in flight; the rerun resumes the session: one video on the platform, one
  publication row, published.
"""
from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from acf import db, storage
from acf.content_models import Scene, Script
from acf.media import production
from acf.trends import pipeline
from chaos import proc, registry

SOURCES = ("youtube", "google_trends", "x", "reddit")


def _unique_interval() -> datetime:
    # trend_loads is not emptied between tests: a fresh 6-hour slot far in the future per test
    return datetime(2031, 1, 1, tzinfo=timezone.utc) + timedelta(hours=6 * (uuid.uuid4().int % 100_000))


def _count(conn, sql, *params) -> int:
    return conn.execute(sql, params).fetchone()[0]


def test_trend_load_killed_mid_copy_reruns_without_duplicates(pg_dsn, pg_conn, tmp_path):
    root = tmp_path / "objects"
    root.mkdir()
    interval = _unique_interval()
    regions = registry.scaled(("US", "GB", "IN", "BR", "DE", "JP"), ("US", "IN"))
    payloads = [pipeline.fetch_raw(s, r, root, interval_start=interval) for s in SOURCES for r in regions]
    signal = tmp_path / "inside-copy"
    args = {"dsn": pg_dsn, "root": str(root), "payloads": payloads, "interval_start": interval.isoformat(),
            "signal_file": str(signal), "block": True}
    child = proc.start("trend_load", args)
    try:
        proc.wait_for(signal.exists, child, "the COPY of observations")
        half_written = int(signal.read_text())
    finally:
        proc.kill(child)  # never leave it blocked inside its transaction (it would hold the tables' locks)
    assert half_written > 0
    pg_conn.rollback()
    assert _count(pg_conn, "SELECT count(*) FROM acf.trend_observations WHERE interval_start = %s", interval) == 0
    assert _count(pg_conn, "SELECT count(*) FROM acf.trend_loads WHERE interval_start = %s", interval) == 0

    rerun = json.loads(proc.run("trend_load", dict(args, block=False)).strip().splitlines()[-1])
    again = json.loads(proc.run("trend_load", dict(args, block=False)).strip().splitlines()[-1])
    pg_conn.rollback()
    rows = _count(pg_conn, "SELECT count(*) FROM acf.trend_observations WHERE interval_start = %s", interval)
    counted = _count(pg_conn, "SELECT coalesce(sum(observation_count), 0) FROM acf.trends")
    all_rows = _count(pg_conn, "SELECT count(*) FROM acf.trend_observations")
    loads = _count(pg_conn, "SELECT count(*) FROM acf.trend_loads WHERE interval_start = %s", interval)
    duplicates = max(0, counted - all_rows) + again["loaded"]
    registry.record("duplicates", duplicates, what=f"trend load rerun: {duplicates} rows counted twice")
    assert rerun["loaded"] == rows > half_written // 2 and rerun["skipped_payloads"] == 0
    assert again == {"loaded": 0, "quarantined": 0, "skipped_payloads": len(payloads)}
    assert counted == all_rows and loads == len(payloads)


def _narrated_script() -> Script:
    words = registry.scaled("Solar flares light up the sky and scramble radios: here is why it matters to you,"
                            " what scientists watch for, and how to see the aurora yourself tonight.",
                            "Solar flares {\\b1}: here's why, [now].")
    scenes = registry.scaled(3, 2)
    return Script(title="Solar flares {\\b1}: [why] it's 'news'", hook="Solar flares: here's why.",
                  scenes=[Scene(i, words, "a bright sun with flares", 6.0) for i in range(scenes)],
                  call_to_action="Follow for more.")


@pytest.fixture
def planned_content(pg_conn, tmp_path):
    from stand_ins import media_samples

    root = tmp_path / "objects"
    root.mkdir()
    media_samples.insert_opportunity(pg_conn)
    plan = production.plan_content(pg_conn, platforms=["tiktok"], aspects=["9:16"], target_seconds=20,
                                   run_id=f"chaos-{uuid.uuid4().hex[:6]}")
    scenes = production.store_script(pg_conn, root, plan, _narrated_script())
    for index in scenes:
        production.make_visual(pg_conn, root, plan.content_id, index)
        production.make_voice(pg_conn, root, plan.content_id, index)
    pg_conn.commit()
    return root, plan


def _partials(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.name.endswith(".partial")]


def test_render_killed_mid_ffmpeg_leaves_nothing_ready(pg_dsn, pg_conn, planned_content, tmp_path):
    root, plan = planned_content
    signal = tmp_path / "connected"
    child = proc.start("render", {"dsn": pg_dsn, "root": str(root), "content_id": plan.content_id,
                                  "signal_file": str(signal)})
    proc.wait_for(lambda: any("ffmpeg" in cmd and "video_9x16.mp4" in cmd for _, cmd in proc.descendants(child.pid)),
                  child, "ffmpeg rendering")
    proc.kill(child)
    pg_conn.rollback()
    renditions = db.fetch_dicts(pg_conn, "SELECT status FROM acf.renditions WHERE content_id = %s", (plan.content_id,))
    status = _count(pg_conn, "SELECT count(*) FROM acf.content_pieces WHERE content_id = %s AND status = 'ready'",
                    plan.content_id)
    videos = [p for p in (root / "content" / plan.content_id).glob("video_*")]
    assert renditions == [] and status == 0 and videos == [] and _partials(root) == []

    production.render_content(pg_conn, root, plan.content_id, music=False)
    production.make_thumbnails(pg_conn, root, plan.content_id)
    production.check_outputs(pg_conn, root, plan.content_id)
    pg_conn.commit()
    rows = db.fetch_dicts(pg_conn, "SELECT aspect, status, object_key, checksum, bytes FROM acf.renditions"
                                   " WHERE content_id = %s", (plan.content_id,))
    registry.record("duplicates", max(0, len(rows) - 1), what="render rerun: extra renditions")
    assert [(r["aspect"], r["status"]) for r in rows] == [("9:16", "ready")]
    stored = root / rows[0]["object_key"]
    assert storage.sha256_file(stored) == rows[0]["checksum"] and stored.stat().st_size == rows[0]["bytes"]
    assert _partials(root) == []


KB = 1024


@pytest.fixture
def youtube(monkeypatch):
    from airflow.sdk import Connection

    from stand_ins.youtube_upload import YouTubeUploadStandIn

    with YouTubeUploadStandIn() as server:
        extras = {"access_token": "yt-access-1", "refresh_token": "yt-refresh-1", "token_uri": f"{server.url}/token",
                  "token_expires_at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(),
                  "account": "channel-chaos", "chunk_size": 256 * KB}
        conn = Connection(conn_id="acf_youtube_upload", conn_type="acf_youtube_upload", host=server.url + "/",
                          login="client-id", password="client-secret", extra=json.dumps(extras))
        monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE_UPLOAD", conn.get_uri())
        yield server


def _hold_second_chunk(server) -> tuple[threading.Event, threading.Event]:
    """Chunk 2 of the upload arrives, then hangs (server side) until released: the worker is mid-upload."""
    arrived, release = threading.Event(), threading.Event()
    method, pattern, handler = next(r for r in server.routes if r[0] == "PUT")

    def held(request):
        if request.headers.get("content-range", "").startswith(f"bytes {256 * KB}-"):
            arrived.set()
            release.wait(60)
        return handler(request)

    server.routes.insert(0, (method, pattern, held))
    return arrived, release


def test_upload_killed_mid_chunk_resumes_to_one_post(pg_dsn, pg_conn, youtube, tmp_path):
    from acf.publishing import ledger
    from acf.publishing.models import PlatformPackage
    from acf.publishing.publisher import publish
    from hooks.youtube_publish import YouTubePublishHook

    root = tmp_path / "objects"
    root.mkdir()
    size = 700 * KB
    video = storage.put_bytes(root, "renditions/cp_chaos_yt/9x16.mp4", (bytes(range(256)) * (size // 256 + 1))[:size])
    thumb = storage.put_bytes(root, "assets/cp_chaos_yt/thumbnail.jpg", b"\xff\xd8\xff" + b"t" * 100)
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_chaos_yt', 'budget', 30, 'ready')")
    pg_conn.commit()
    package = dict(content_id="cp_chaos_yt", platform="youtube", title="Chaos: killed mid upload",
                   description="Desc #Shorts", tags=["chaos"], rendition_key=video.key, thumbnail_key=thumb.key,
                   aspect="9:16", extra={"category_id": "26", "privacy_status": "private",
                                           "self_declared_made_for_kids": False, "language": "en"})
    arrived, release = _hold_second_chunk(youtube)
    child = proc.start("upload", {"dsn": pg_dsn, "root": str(root), "package": package,
                                  "signal_file": str(tmp_path / "uploading")})
    try:
        proc.wait_for(arrived.is_set, child, "the second chunk in flight")
        proc.kill(child)
    finally:
        release.set()
    assert youtube.videos == {}

    uploader = YouTubePublishHook().uploader(root, sleep=lambda s: None)
    result = publish(pg_conn, PlatformPackage(**package), uploader)
    again = publish(pg_conn, PlatformPackage(**package), uploader)
    pg_conn.commit()
    rows = db.fetch_dicts(pg_conn, "SELECT state, external_id FROM acf.publications WHERE content_id = 'cp_chaos_yt'")
    extra_posts = len(youtube.videos) - 1 + youtube.duplicates()
    registry.record("duplicates", max(0, extra_posts), what="upload rerun posted twice")
    assert result.state == "published" and again.state == "published" and again.external_id == result.external_id
    assert list(youtube.videos) == [result.external_id] and youtube.duplicates() == 0
    assert rows == [{"state": "published", "external_id": result.external_id}]
    assert youtube.protocol_errors == [] and ledger.get(pg_conn, result.publication_id)["state"] == "published"
