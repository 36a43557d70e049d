"""Fixtures of the publishing tests: a ready content piece in Postgres and the object store."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from acf import storage
from acf.publishing.models import ContentSource, RenditionRef

SCRIPT = {
    "title": "Why home espresso is booming",
    "hook": "Your kitchen is now a café.",
    "scenes": [
        {"index": 0, "narration": "Your kitchen is now a café.", "visual_prompt": "kitchen", "seconds": 12},
        {"index": 1, "narration": "Grinders got cheap and good.", "visual_prompt": "grinder", "seconds": 15},
        {"index": 2, "narration": "Beans now ship roasted to order.", "visual_prompt": "beans", "seconds": 14},
        {"index": 3, "narration": "And the milk foam is the fun part.", "visual_prompt": "foam", "seconds": 16},
    ],
    "call_to_action": "Follow for more coffee science!",
    "language": "en",
    "chapters": [],
}


@pytest.fixture
def clean_quota(pg_conn):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.commit()
    return pg_conn


def make_source(**overrides) -> ContentSource:
    values = dict(
        content_id="cp_test1", title=SCRIPT["title"], script=dict(SCRIPT),
        renditions=[RenditionRef("9:16", "renditions/cp_test1/9x16.mp4", 57.0, 1080, 1920),
                    RenditionRef("16:9", "renditions/cp_test1/16x9.mp4", 57.0, 1920, 1080)],
        platforms=["youtube", "tiktok", "instagram", "facebook"], term="home espresso",
        category="food", category_id=26, keywords=["latte art", "coffee grinder"],
        thumbnail_key="assets/cp_test1/thumb.jpg",
    )
    values.update(overrides)
    return ContentSource(**values)


def seed_content(conn, root, content_id: str = "cp_test1", platforms: list[str] | None = None,
                 aspects: tuple[str, ...] = ("9:16",), seconds: float = 57.0) -> None:
    now = datetime.now(timezone.utc)
    conn.execute(
        "INSERT INTO acf.trends (trend_id, term, title, category, category_id, first_seen, last_seen)"
        " VALUES ('tr_1', 'home espresso', 'Home espresso', 'food', 26, %s, %s) ON CONFLICT DO NOTHING", (now, now))
    conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES ('op_1', 'tr_1', 0.9)"
                 " ON CONFLICT DO NOTHING")
    conn.execute(
        "INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds, title, script, status, platforms)"
        " VALUES (%s, 'op_1', 'offline', 60, %s, %s, 'ready', %s)",
        (content_id, SCRIPT["title"], json.dumps(SCRIPT), platforms or []),
    )
    for aspect in aspects:
        object_key = storage.key("renditions", content_id, aspect.replace(":", "x") + ".mp4")
        stored = storage.put_bytes(root, object_key, b"\x00\x00\x00\x18ftypmp42" + content_id.encode() * 100)
        conn.execute(
            "INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height, duration_seconds,"
            " object_key, bytes, checksum) VALUES (%s, %s, %s, 1080, 1920, %s, %s, %s, %s)",
            (f"rd_{content_id}_{aspect}", content_id, aspect, seconds, object_key, stored.bytes, stored.checksum),
        )
    thumb = storage.put_bytes(root, storage.key("assets", content_id, "thumbnail.jpg"), b"\xff\xd8\xff thumb")
    conn.execute(
        "INSERT INTO acf.assets (asset_id, content_id, kind, provider, object_key, bytes, checksum)"
        " VALUES (%s, %s, 'thumbnail', 'local', %s, %s, %s)",
        (f"as_{content_id}_thumb", content_id, thumb.key, thumb.bytes, thumb.checksum),
    )
    conn.commit()


@pytest.fixture(name="make_source")
def _make_source_fixture():
    return make_source


@pytest.fixture(name="seed_content")
def _seed_content_fixture():
    return seed_content
