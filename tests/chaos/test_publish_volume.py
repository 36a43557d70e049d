"""Publishing at volume under ~10% faulted calls (full chaos run only): every post once, none lost.

Pieces x the four platforms through the real hooks against their stand-ins, each platform faulting ~10% of
its calls (429 with Retry-After, 500, 503, a connection cut mid-answer, a malformed body), access tokens
dying mid-run. Videos go up in small chunks (YouTube 256 KB, TikTok 64-256 KB, Facebook 64 KB), so a
post is many calls and a fault lands mid-upload as often as not. A failed publish is retried as Airflow's
task retries would; each piece gets its own day (quota windows start over), so every target ends
published: the ledger and the platforms must agree, once each. This is where ``make test-chaos`` gets most
of its faults (a thousand and more); the quotas themselves are bench_publish's subject.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from acf import db, storage
from chaos import faulty, registry

pytestmark = pytest.mark.chaos_full

KB = 1024
PLATFORMS = ("youtube", "tiktok", "instagram", "facebook")
TIKTOK_CHUNKS = {"min_bytes": 64 * KB, "preferred_bytes": 64 * KB, "max_bytes": 256 * KB,
                 "last_max_bytes": 512 * KB, "max_count": 1000}
KINDS = ("429", "500", "503", "cut", "malformed")


@pytest.fixture
def platforms(monkeypatch):
    from stand_ins.facebook import FacebookStandIn
    from stand_ins.instagram import InstagramStandIn
    from stand_ins.platform_connections import connections
    from stand_ins.tiktok import TikTokStandIn
    from stand_ins.youtube_upload import YouTubeUploadStandIn

    servers = {"youtube": YouTubeUploadStandIn(), "tiktok": TikTokStandIn(min_chunk=64 * KB, max_chunk=256 * KB,
                                                                            last_max=512 * KB),
               "instagram": InstagramStandIn(), "facebook": FacebookStandIn(video_chunk=64 * KB)}
    for index, server in enumerate(servers.values()):
        server.start()
        server.faults = faulty.RandomFaults(0.10, KINDS, seed=40 + index)
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    for name, value in connections(*(servers[p] for p in PLATFORMS), expires_at=later).items():
        monkeypatch.setenv(name, value)
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _uploaders(root):
    from hooks.facebook import FacebookHook
    from hooks.instagram import InstagramHook
    from hooks.tiktok import TikTokHook
    from hooks.youtube_publish import YouTubePublishHook

    fast = {"sleep": lambda seconds: None}
    return {"youtube": YouTubePublishHook().uploader(root, **fast),
            "tiktok": TikTokHook().uploader(root, poll_seconds=0, chunk_rule=TIKTOK_CHUNKS, **fast),
            "instagram": InstagramHook().uploader(root, public_url=lambda key: f"https://cdn.example/{key}?sig=1",
                                                  poll_seconds=0, **fast),
            "facebook": FacebookHook().uploader(root, poll_seconds=0, **fast)}


def _package(content_id: str, platform: str, video_key: str, index: int):
    from acf.publishing.models import PlatformPackage

    extra = {"youtube": {"category_id": "26", "privacy_status": "private", "self_declared_made_for_kids": False,
                         "language": "en"},
             "tiktok": {"duration_seconds": 30, "privacy_level": "SELF_ONLY"},
             "instagram": {"media_type": "REELS", "share_to_feed": True},
             "facebook": {"post_type": "reel"}}[platform]
    return PlatformPackage(content_id, platform, f"Espresso secret {index}", f"Espresso secret number {index} #Coffee",
                           ["coffee"], video_key, None, "9:16", extra)


def test_four_platforms_at_volume_publish_each_target_once(pg_conn, object_root, platforms):
    from acf.publishing.publisher import publish

    pieces = registry.scaled(200, 2)
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    video = storage.put_bytes(object_root, "renditions/cp_volume/9x16.mp4", os.urandom(1536 * KB))
    for i in range(pieces):
        pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                        " VALUES (%s, 'budget', 30, 'ready')", (f"cp_vol{i:03d}",))
    pg_conn.commit()
    uploaders = _uploaders(object_root)
    start = datetime.now(timezone.utc)
    failed_tries = 0
    for i in range(pieces):
        if i == pieces // 2:   # tokens die mid-run: refreshed (YouTube, TikTok) or exchanged (Meta)
            platforms["youtube"].valid_tokens.discard("yt-access-1")
            platforms["tiktok"].expire("tt-access-1")
            platforms["instagram"].expire("fb-long-lived-1")
            platforms["facebook"].expire("fb-long-lived-1")
        for server in platforms.values():
            server.reset_window()
        now = start + timedelta(days=i)   # its own day: every quota window starts over
        for platform in PLATFORMS:
            package = _package(f"cp_vol{i:03d}", platform, video.key, i)
            for _attempt in range(6):   # the task and its retries
                try:
                    result = publish(pg_conn, package, uploaders[platform], now=now)
                except Exception:  # noqa: BLE001 - a failed try, retried as Airflow would
                    pg_conn.rollback()
                    failed_tries += 1
                    continue
                if result.state == "published":
                    break
            for server in platforms.values():
                server.requests.clear()   # the chunks' bytes add up over a thousand posts

    rows = db.fetch_dicts(pg_conn, "SELECT content_id, platform, state, external_id, error FROM acf.publications")
    published = [r for r in rows if r["state"] == "published"]
    on_platform = {"youtube": set(platforms["youtube"].videos), "tiktok": {p["id"] for p in platforms["tiktok"].posts},
                   "instagram": {m["id"] for m in platforms["instagram"].media},
                   "facebook": {v for v, meta in platforms["facebook"].videos.items() if meta["published"]}}
    unknown = [r for r in published if r["external_id"] not in on_platform[r["platform"]]]
    duplicates = sum(s.duplicates() for s in platforms.values()) + max(
        0, sum(len(ids) for ids in on_platform.values()) - len(published))
    lost = pieces * len(PLATFORMS) - len(published) + len(unknown)
    injected = sum(len(s.faults.injected) for s in platforms.values())
    registry.record("duplicates", duplicates, what=f"publishing at volume: {duplicates} posts twice")
    registry.record("lost", lost, what=f"publishing at volume: {lost} targets not published"
                                       f" ({[(r['content_id'], r['platform'], r['state'], r['error']) for r in rows if r['state'] != 'published'][:5]})")
    protocol = [e for s in platforms.values() for e in s.protocol_errors]
    assert injected > 0 and failed_tries > 0, "no fault hit: the test proves nothing"
    assert duplicates == 0 and lost == 0, (duplicates, lost)
    assert protocol == [], protocol[:5]
