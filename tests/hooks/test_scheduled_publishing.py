"""Scheduled publishing through the real hooks against the stand-ins.

YouTube and Facebook hold a post until its time (status.publishAt with privacyStatus private;
video_state=SCHEDULED / published=false with scheduled_publish_time): it is uploaded at once and the
ledger says ``scheduled``. TikTok and Instagram have no such field: nothing is sent, the ledger says
``scheduled`` with the moment to come back, and the post goes out then, once. A piece rejected at
approval is never posted; a slot missed while the factory was down goes at the next window, once.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk import Connection

from acf import storage
from acf.publishing import content, ledger
from acf.publishing.models import PlatformPackage
from acf.publishing.publisher import publish
from acf.publishing.steps import build_targets, publish_target, summary
from hooks.facebook import FacebookHook
from hooks.tiktok import TikTokHook
from hooks.youtube_publish import YouTubePublishHook
from stand_ins.facebook import FacebookStandIn
from stand_ins.tiktok import SMALL_CHUNKS, small_chunks
from stand_ins.youtube_upload import YouTubeUploadStandIn

KB = 1024
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def piece(pg_conn, object_root):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_sched', 'budget', 30, 'ready')")
    pg_conn.commit()
    return storage.put_bytes(object_root, "renditions/cp_sched/9x16.mp4", bytes(range(256)) * 600).key


def env_connection(monkeypatch, conn_id: str, conn_type: str, host: str, login: str, password: str, **extra):
    conn = Connection(conn_id=conn_id, conn_type=conn_type, host=host, login=login, password=password,
                      extra=json.dumps(extra))
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", conn.get_uri())


def package(platform: str, key: str, **extra) -> PlatformPackage:
    return PlatformPackage("cp_sched", platform, "Espresso at home", f"Espresso at home on {platform} #Coffee",
                           ["#Coffee"], key, None, "9:16", {"duration_seconds": 30, **extra})


def test_youtube_uploads_now_as_private_with_publish_at(monkeypatch, pg_conn, piece, object_root):
    with YouTubeUploadStandIn() as server:
        env_connection(monkeypatch, "acf_youtube_upload", "acf_youtube_upload", server.url + "/", "cid", "csecret",
                       access_token="yt-access-1", refresh_token="yt-refresh-1", token_uri=f"{server.url}/token",
                       token_expires_at=(NOW + timedelta(hours=1)).isoformat(), account="channel-1",
                       chunk_size=256 * KB)
        slot = NOW + timedelta(days=2)
        uploader = YouTubePublishHook().uploader(object_root, sleep=lambda s: None)
        result = publish(pg_conn, package("youtube", piece, privacy_status="public"), uploader, publish_at=slot)
        (video,) = server.videos.values()
    assert result.state == "scheduled" and result.external_id == video["id"]
    assert video["status"]["privacyStatus"] == "private"            # publishAt needs private; public at slot
    assert video["status"]["publishAt"] == slot.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert datetime.fromisoformat(result.scheduled_at) == slot
    assert server.protocol_errors == []
    # Once the time has passed, the ledger counts it published (YouTube made it public).
    assert ledger.promote_scheduled(pg_conn, slot + timedelta(minutes=1)) == 1
    assert ledger.get(pg_conn, result.publication_id)["state"] == "published"


@pytest.mark.parametrize("post_type", ["reel", "video"])
def test_facebook_schedules_with_scheduled_publish_time(monkeypatch, pg_conn, piece, object_root, post_type):
    with FacebookStandIn(page_id="1001", video_chunk=64 * KB) as server:
        env_connection(monkeypatch, "acf_facebook", "acf_facebook", f"{server.url}/v21.0", "app-id", "app-secret",
                       access_token="fb-long-lived-1", page_id="1001")
        slot = NOW + timedelta(days=3)
        uploader = FacebookHook().uploader(object_root, sleep=lambda s: None, poll_seconds=0)
        result = publish(pg_conn, package("facebook", piece, post_type=post_type), uploader, publish_at=slot)
        finish = [r for r in server.requests if b"upload_phase=finish" in r.body][0]
        (video,) = server.published
    assert result.state == "scheduled" and video["scheduled_for"] == int(slot.timestamp())
    expected = b"video_state=SCHEDULED" if post_type == "reel" else b"published=false"
    assert expected in finish.body and f"scheduled_publish_time={int(slot.timestamp())}".encode() in finish.body
    assert server.protocol_errors == []


def test_facebook_slot_closer_than_ten_minutes_is_posted_by_the_factory_at_the_slot(
        monkeypatch, pg_conn, piece, object_root):
    with FacebookStandIn(page_id="1001", video_chunk=64 * KB) as server:
        env_connection(monkeypatch, "acf_facebook", "acf_facebook", f"{server.url}/v21.0", "app-id", "app-secret",
                       access_token="fb-long-lived-1", page_id="1001")
        slot = NOW + timedelta(minutes=5)
        uploader = FacebookHook().uploader(object_root, sleep=lambda s: None, poll_seconds=0)
        waiting = publish(pg_conn, package("facebook", piece), uploader, publish_at=slot, now=NOW)
        assert waiting.state == "scheduled" and waiting.wait_until == slot.isoformat() and server.requests == []
        posted = publish(pg_conn, package("facebook", piece), uploader, publish_at=slot, now=slot)
        assert posted.state == "published" and len(server.published) == 1
        finish = [r for r in server.requests if b"upload_phase=finish" in r.body][0]
    assert b"video_state=PUBLISHED" in finish.body and b"scheduled_publish_time" not in finish.body


def tiktok_setup(monkeypatch, server, object_root):
    env_connection(monkeypatch, "acf_tiktok", "acf_tiktok", server.url, "ck", "cs", access_token="tt-access-1",
                   refresh_token="tt-refresh-1", token_expires_at=(NOW + timedelta(days=3)).isoformat(),
                   account="creator-1")
    return TikTokHook().uploader(object_root, sleep=lambda s: None, poll_seconds=0, chunk_rule=SMALL_CHUNKS)


def test_tiktok_waits_for_the_slot_then_posts_once(monkeypatch, pg_conn, piece, object_root):
    with small_chunks() as server:
        uploader = tiktok_setup(monkeypatch, server, object_root)
        slot = NOW + timedelta(hours=6)
        waiting = publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=NOW)
        assert waiting.state == "scheduled" and waiting.wait_until == slot.isoformat()
        assert server.requests == []                                   # nothing sent before the slot
        again = publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=NOW + timedelta(hours=1))
        assert again.state == "scheduled" and server.requests == []    # a rerun before the slot waits too
        posted = publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=slot)
        assert posted.state == "published" and len(server.posts) == 1
        assert publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=slot).state == "published"
        assert len(server.posts) == 1 and server.duplicates() == 0
    row = ledger.get(pg_conn, posted.publication_id)
    assert row["scheduled_at"] == slot and row["published_at"] is not None


def test_a_piece_rejected_at_approval_is_never_posted_scheduled_or_not(monkeypatch, pg_conn, piece, object_root):
    with small_chunks() as server:
        uploader = tiktok_setup(monkeypatch, server, object_root)
        slot = NOW + timedelta(hours=2)
        assert publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=NOW).state == "scheduled"
        ledger.reject(pg_conn, "cp_sched", "tiktok", "rejected at approval in manual__1")   # a later run's reviewer
        pg_conn.commit()
        result = publish(pg_conn, package("tiktok", piece), uploader, publish_at=slot, now=slot)
        assert result.state == "rejected" and server.requests == []
        assert publish(pg_conn, package("tiktok", piece), uploader, now=slot + timedelta(days=1)).state == "rejected"
        assert server.posts == []


def seed_ready(conn, root, content_id: str, platforms: list[str]) -> None:
    """A ready 30 s vertical piece of a paid tier (so the platform's uploader is used)."""
    script = {"title": "Espresso at home", "hook": "Your kitchen is a cafe.", "call_to_action": "Follow!",
              "scenes": [{"index": 0, "narration": "Your kitchen is a cafe.", "seconds": 30}], "chapters": []}
    conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, title, script, status, platforms)"
                 " VALUES (%s, 'budget', 30, %s, %s, 'ready', %s)",
                 (content_id, script["title"], json.dumps(script), platforms))
    video = storage.put_bytes(root, storage.key("renditions", content_id, "9x16.mp4"), bytes(range(256)) * 600)
    conn.execute("INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height, duration_seconds,"
                 " object_key, bytes, checksum) VALUES (%s, %s, '9:16', 1080, 1920, 30, %s, %s, %s)",
                 (f"rd_{content_id}", content_id, video.key, video.bytes, video.checksum))
    conn.commit()


def test_a_slot_missed_while_the_factory_was_down_posts_at_the_next_window_once(
        monkeypatch, pg_conn, object_root):
    """The wait was lost (the factory was down past the slot): the next run packages the piece again and
    posts it in the next posting window, once."""
    from acf import platform_rules

    seed_ready(pg_conn, object_root, "cp_late", ["tiktok"])
    start = (NOW.hour + 2) % 24                                   # a window two hours from now, every day
    window = {"start": f"{start:02d}:00", "end": "24:00" if start == 23 else f"{start + 1:02d}:00"}
    next_window = NOW.replace(hour=start, minute=0, second=0)
    next_window += timedelta(days=1) if next_window <= NOW else timedelta(0)
    rules = platform_rules.all_rules()
    monkeypatch.setitem(rules["tiktok"], "schedule", {"windows": [window], "timezone": "UTC"})
    monkeypatch.setattr(platform_rules, "all_rules", lambda: rules)
    with small_chunks() as server:
        uploader = tiktok_setup(monkeypatch, server, object_root)
        (target,) = build_targets(pg_conn, object_root)["tiktok"]
        missed = NOW - timedelta(hours=5)                  # the slot passed while the factory was down
        pub_id = ledger.ensure(pg_conn, "cp_late", "tiktok", "creator-1", target["package_key"])["publication_id"]
        ledger.mark(pg_conn, pub_id, "scheduled", scheduled_at=missed)
        pg_conn.commit()
        assert summary(pg_conn)["scheduled_posts"][0]["held_by_platform"] is False
        (again,) = build_targets(pg_conn, object_root)["tiktok"]        # not lost: the next run takes it
        first = publish_target(pg_conn, object_root, again, lambda p: uploader, publish_at=missed.isoformat(),
                               now=NOW)
        assert first["state"] == "scheduled" and first["wait_until"] == next_window.isoformat()
        assert server.requests == []                                    # not posted late, outside the window
        stored = content.load_package(object_root, again["package_key"])
        assert stored.extra["scheduled_at"] == next_window.isoformat()  # the package JSON says when
        assert build_targets(pg_conn, object_root)["tiktok"] == []      # waiting: no other run packages it
        second = publish_target(pg_conn, object_root, again, lambda p: uploader,
                                publish_at=first["scheduled_at"], now=next_window)
        assert second["state"] == "published" and len(server.posts) == 1
        assert build_targets(pg_conn, object_root)["tiktok"] == []        # once
