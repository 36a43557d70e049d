from acf.publishing.outbox import OutboxUploader
from acf.publishing.steps import build_targets, choose_uploader, publish_target


class FakePlatform:
    platform, account = "tiktok", "creator"


def test_offline_tier_always_uses_the_outbox(object_root):
    chosen = choose_uploader("tiktok", "offline", object_root, lambda p: FakePlatform())
    assert isinstance(chosen, OutboxUploader)


def test_paid_tier_uses_the_platform_only_when_configured(object_root):
    assert isinstance(choose_uploader("tiktok", "budget", object_root, lambda p: None), OutboxUploader)
    assert isinstance(choose_uploader("tiktok", "budget", object_root, lambda p: FakePlatform()), FakePlatform)


def test_build_then_publish_targets_through_the_outbox(pg_conn, clean_quota, object_root, seed_content):
    seed_content(pg_conn, object_root, content_id="cp_s1", platforms=["youtube", "instagram"], seconds=1000)
    built = build_targets(pg_conn, object_root)
    assert [t["content_id"] for t in built["youtube"]] == ["cp_s1"]
    assert built["instagram"] == [] and built["tiktok"] == []
    refused = pg_conn.execute("SELECT platform, state, error FROM acf.publications WHERE account = 'n/a'").fetchall()
    assert refused[0][:2] == ("instagram", "failed") and "3-900" in refused[0][2]
    assert pg_conn.execute("SELECT count(*) FROM acf.quarantine WHERE stage = 'publishing.optimize'").fetchone()[0] == 1
    result = publish_target(pg_conn, object_root, built["youtube"][0])
    assert result["state"] == "published" and result["external_id"] == "outbox-youtube-cp_s1"
    assert build_targets(pg_conn, object_root)["youtube"] == []  # a rerun finds nothing left to do


def test_the_approval_review_lists_the_facts_each_piece_cites(pg_conn, clean_quota, object_root, seed_content):
    import json

    seed_content(pg_conn, object_root, content_id="cp_f1", platforms=["youtube"], seconds=30)
    fact = {"fact_id": "f1", "kind": "quote", "text": "Who else stayed up for the ceremony?", "source": "r/movies",
            "url": "https://www.reddit.com/r/movies/1", "at": "", "numbers": {"upvotes": 12412}, "points": []}
    pg_conn.execute("UPDATE acf.content_pieces SET script = script || %s WHERE content_id = 'cp_f1'",
                    (json.dumps({"facts": [fact]}),))
    pg_conn.commit()
    review = build_targets(pg_conn, object_root)["review"]
    assert "f1 (quote, r/movies): Who else stayed up for the ceremony?" in review


def test_the_approval_review_points_at_the_storyboard(pg_conn, clean_quota, object_root, seed_content):
    seed_content(pg_conn, object_root, content_id="cp_sb", platforms=["youtube"], seconds=30)
    assert "storyboard" not in build_targets(pg_conn, object_root)["review"]  # none made: nothing claimed
    pg_conn.execute("INSERT INTO acf.assets (asset_id, content_id, kind, provider, object_key, bytes, checksum)"
                    " VALUES ('as_sb', 'cp_sb', 'storyboard', 'local', 'content/cp_sb/storyboard.jpg', 3, 'x')")
    pg_conn.commit()
    assert "storyboard `content/cp_sb/storyboard.jpg`" in build_targets(pg_conn, object_root)["review"]
