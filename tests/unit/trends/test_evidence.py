"""What each trend is about: acf.trend_evidence filled at load time and for the top trends, from the bundled
sample, with text treated as data (guard, brand safety), duplicates collapsed, sizes bounded, retention."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from acf import db, storage
from acf.trends import discovery, evidence, more_evidence, pipeline
from acf.trends.models import TrendObservation

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
SOURCES = ("youtube", "google_trends", "x", "reddit")
REGIONS = ("US", "GB", "IN", "BR", "DE", "JP")


def _offline_run(conn, root, limits=more_evidence.Limits()):
    """The acf_trends path on the bundled sample: fetch, discover, load, gather (as the DAG's tasks do)."""
    fetched = [pipeline.fetch_raw(s, r, root, interval_start=START, observed_at=END) for s in SOURCES for r in REGIONS]
    found = [discovery.discover(conn, root, region, fetched, interval_start=START, observed_at=END)
             for region in REGIONS]
    loaded = pipeline.process(conn, root, fetched + [f for f in found if f["raw_key"]], interval_start=START,
                              interval_end=END)
    conn.commit()
    gathered = more_evidence.gather(conn, root, interval_start=START, observed_at=END,
                                    calls=more_evidence.EvidenceCalls(limits=limits))
    conn.commit()
    return found, loaded, gathered


def _coverage(conn, n=20) -> tuple[int, int]:
    row = db.fetch_dicts(conn, "SELECT count(*) AS top, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM acf.trend_evidence e"
                               " WHERE e.trend_id = t.trend_id)) AS covered FROM (SELECT trend_id FROM acf.trends"
                               " ORDER BY score DESC, trend_id LIMIT %s) t", (n,))[0]
    return row["covered"], row["top"]


def test_the_offline_run_says_what_nine_in_ten_of_its_top_trends_are_about(pg_conn, object_root):
    found, loaded, gathered = _offline_run(pg_conn, object_root)
    covered, top = _coverage(pg_conn)
    assert top == 20 and covered / top >= 0.9, (covered, top)
    assert loaded["evidence"] > 50 and gathered["comments_read"] and gathered["x_posts_read"]
    kinds = {r["kind"]: r["n"] for r in db.fetch_dicts(pg_conn, "SELECT kind, count(*) AS n FROM acf.trend_evidence"
                                                                " GROUP BY kind")}
    assert set(kinds) == {"news", "post", "comment", "video", "x_post"}
    # discovery found videos beside the charts (search-only ones), loaded as YouTube observations
    assert sum(f["videos"] for f in found) > 0 and any(f["raw_key"] for f in found)
    assert db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trend_loads WHERE part = 'search'")[0]["n"] > 0
    # a hit is a sighting of the term it was found for: its video is evidence of that trend
    hit = db.fetch_dicts(pg_conn, "SELECT t.term, o.metrics->>'found_for' AS found_for FROM acf.trend_evidence e"
                                  " JOIN acf.trends t USING (trend_id) JOIN acf.trend_observations o"
                                  " ON o.trend_id = e.trend_id AND o.title = e.text WHERE e.text = %s",
                         ("Champions League Final: Extra-Time Winner From Every Angle",))
    assert hit and hit[0]["term"].lower() == "champions league final" and hit[0]["found_for"]
    news = db.fetch_dicts(pg_conn, "SELECT e.text, e.publisher, e.url, t.term FROM acf.trend_evidence e"
                                   " JOIN acf.trends t USING (trend_id) WHERE e.kind = 'news'")
    posts = {r["text"] for r in db.fetch_dicts(pg_conn, "SELECT text FROM acf.trend_evidence WHERE kind = 'post'")}
    assert news and all(r["publisher"] and r["url"].startswith("https://") for r in news)
    assert not {r["text"] for r in news} & posts          # the news are not the Reddit titles again
    ucl = [r["text"] for r in news if "champions" in r["term"].lower()]
    assert "Champions League final decided in extra time" in ucl
    comment = db.fetch_dicts(pg_conn, "SELECT * FROM acf.trend_evidence WHERE kind = 'comment' LIMIT 1")[0]
    assert comment["parent_id"] and comment["author"].startswith("u/") and comment["metrics"]["score"] > 0
    assert comment["raw_key"].startswith("raw/reddit/2026-11-24/ZZ/20261124T000000Z-comments-")
    assert storage.exists(object_root, comment["raw_key"])   # the answer as received, under its key


def test_a_rerun_collapses_into_the_same_rows(pg_conn, object_root):
    _offline_run(pg_conn, object_root)
    before = db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trend_evidence")[0]["n"]
    _, _, again = _offline_run(pg_conn, object_root)
    assert again["requests"] == {"comments": 0, "x_posts": 0}    # the stored answers are read back
    assert db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trend_evidence")[0]["n"] == before
    # one headline seen in six regions' feeds is one row of its trend
    rows = db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trend_evidence WHERE text = %s",
                          ("Starship reaches orbit on its twelfth flight",))
    assert rows[0]["n"] == 1


def test_hostile_text_is_quarantined_unsafe_text_flagged_and_sizes_bounded(pg_conn, object_root):
    # the Super Bowl thread's spam comment reads like instructions: quarantined with its reason, not stored
    _, _, gathered = _offline_run(pg_conn, object_root, more_evidence.Limits(comment_trends=30))
    assert gathered["evidence_quarantined"] >= 1
    refused = db.fetch_dicts(pg_conn, "SELECT * FROM acf.quarantine WHERE stage = 'trends.evidence'")
    assert any("prompt injection" in r["reason"] and "free-tickets" in r["payload"] for r in refused)
    assert all(r["raw_key"] and r["source"] == "reddit" for r in refused)
    assert not db.fetch_dicts(pg_conn, "SELECT 1 FROM acf.trend_evidence WHERE text LIKE '%%free-tickets%%'")

    seen = datetime(2026, 11, 24, 5, tzinfo=timezone.utc)
    long_comment = json.loads(json.dumps([
        {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "abc", "subreddit": "news"}}]}},
        {"kind": "Listing", "data": {"children": [
            {"kind": "t1", "data": {"id": "c1", "body": "word " * 600, "score": 90, "author": "a"}},
            {"kind": "t1", "data": {"id": "c2", "body": "Five people were killed in the crash.", "score": 80, "author": "b"}},
            {"kind": "t1", "data": {"id": "c3", "body": "[deleted]", "score": 70}},
            {"kind": "more", "data": {"count": 12, "children": ["x"]}}]}}]))
    items = evidence.reddit_comments(long_comment, per_post=5)
    assert [c.item_id for c in items] == ["c1", "c2"]
    for item in items:
        item.trend_id = "trend_x"
    counts = evidence.store(pg_conn, items, seen_at=seen, extra_terms=())
    pg_conn.commit()
    stored = {r["item_id"]: r for r in db.fetch_dicts(pg_conn, "SELECT * FROM acf.trend_evidence WHERE trend_id = 'trend_x'")}
    assert len(stored["c1"]["text"]) == evidence.MAX_TEXT and stored["c1"]["metrics"]["truncated"] is True
    assert stored["c2"]["flag"].startswith("brand safety: tragedy") and counts["evidence_flagged"] == 1
    assert stored["c2"]["parent_id"] == "abc" and stored["c2"]["publisher"] == "r/news"


def test_items_of_a_load_give_their_evidence_once_per_trend(pg_conn):
    obs = [TrendObservation("reddit", region, "launch", "Starship launch thread", "https://www.reddit.com/r/space/1",
                            "r/space", {"score": 500 + n, "comments": 10, "subreddit": "space", "author": "deltav",
                                        "selftext": "x" * 400}, END, None, "p1", published_at=START, engagement=510 + n)
           for n, region in enumerate(("US", "GB", "JP"))]
    obs.append(TrendObservation("google_trends", "US", "launch", "launch", None, None, {"traffic": 100, "news_items": [
        {"title": "Starship launch thread", "source": "Orbit Weekly", "url": "https://o.example/1"},   # same words
        {"title": "  ", "source": "Nobody"}]}, END, None, "launch", engagement=100))
    summary = pipeline.ingest_frame(pg_conn, pipeline.frames.observations_frame(obs), interval_start=START,
                                    interval_end=END)
    pg_conn.commit()
    rows = db.fetch_dicts(pg_conn, "SELECT kind, text, publisher, author, metrics, region FROM acf.trend_evidence"
                                   " ORDER BY kind")
    assert [r["kind"] for r in rows] == ["news", "post"] and summary["evidence"] == 2
    post = rows[1]
    assert post["metrics"]["score"] == 502 and post["region"] == "JP"     # its most engaging sighting
    assert post["publisher"] == "r/space" and post["author"] == "u/deltav" and len(post["metrics"]["selftext"]) == 400


def test_retention_deletes_what_was_not_seen_for_the_kept_days(pg_conn):
    now = datetime(2026, 12, 30, tzinfo=timezone.utc)
    old, fresh = evidence.make("news", "google_trends", "Old news", publisher="P"), \
        evidence.make("news", "google_trends", "New news", publisher="P")
    old.trend_id = fresh.trend_id = "t1"
    evidence.upsert(pg_conn, [old], seen_at=now - timedelta(days=40))
    evidence.upsert(pg_conn, [fresh], seen_at=now - timedelta(days=3))
    assert evidence.retain(pg_conn, keep_days=30, now=now) == 1
    assert [r["text"] for r in db.fetch_dicts(pg_conn, "SELECT text FROM acf.trend_evidence")] == ["New news"]


def test_a_load_reads_the_evidence_of_its_best_scored_trends(pg_conn, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_TRENDS", 2)
    obs = [TrendObservation("reddit", "US", term, term, None, "r/x", {"score": score, "subreddit": "x"}, END, None,
                            f"p{n}", engagement=score)
           for n, (term, score) in enumerate((("alpha one", 50_000), ("beta two", 40_000), ("gamma three", 5)))]
    summary = pipeline.ingest_frame(pg_conn, pipeline.frames.observations_frame(obs), interval_start=START,
                                    interval_end=END)
    pg_conn.commit()
    said = {r["text"] for r in db.fetch_dicts(pg_conn, "SELECT text FROM acf.trend_evidence")}
    assert summary["trends"] == 3 and said == {"alpha one", "beta two"}
