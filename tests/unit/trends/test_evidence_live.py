"""acf_trends' live path against the four stand-ins, through the real client libraries: the RSS feed, the
chart by category, discovery by search within its daily budget (counted in PostgreSQL), and evidence for
nine in ten of the top trends."""
from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone

import pytest

from acf import db
from acf.publishing import quotas
from acf.trends import discovery, more_evidence, pipeline
from stand_ins.google_trends import google_trends_stand_in
from stand_ins.reddit import CLIENT_ID, CLIENT_SECRET, reddit_stand_in
from stand_ins.x import BEARER, x_stand_in
from stand_ins.youtube import API_KEY, youtube_stand_in

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
REGIONS = ("US", "GB", "IN", "BR", "DE", "JP")
SOURCES = ("youtube", "google_trends", "x", "reddit")


@pytest.fixture
def live(monkeypatch):
    """The four stand-ins with their Connections, as a live run sees them."""
    with contextlib.ExitStack() as stack:
        servers = {name: stack.enter_context(make()) for name, make in (
            ("youtube", youtube_stand_in), ("google_trends", google_trends_stand_in), ("x", x_stand_in),
            ("reddit", reddit_stand_in))}
        connections = {
            "ACF_YOUTUBE": {"conn_type": "acf_youtube", "host": servers["youtube"].url, "password": API_KEY,
                            "extra": {"timeout": 2, "chart_categories": "10,20,1,17", "search_budget": 100}},
            "ACF_GOOGLE_TRENDS": {"conn_type": "acf_google_trends", "host": servers["google_trends"].url + "/trends",
                                  "extra": {"timeout": 2}},
            "ACF_X": {"conn_type": "acf_x", "host": servers["x"].url, "password": BEARER,
                      "extra": {"timeout": 2, "count_terms": 2, "post_terms": 5, "post_cap": 60}},
            "ACF_REDDIT": {"conn_type": "acf_reddit", "host": servers["reddit"].url, "login": CLIENT_ID,
                           "password": CLIENT_SECRET, "extra": {"reddit_url": servers["reddit"].url, "timeout": 2,
                                                               "comment_trends": 6, "comments_per_post": 4}},
        }
        for name, conn in connections.items():
            monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(conn))
        yield servers


def _run_live(conn, root, now):
    from hooks.configured import discovery_calls, evidence_calls, trend_calls

    fetched = []
    for source in SOURCES:
        fetcher, signals = trend_calls(source, "live")
        fetched += [pipeline.fetch_raw(source, region, root, interval_start=START, fetcher=fetcher, signals=signals)
                    for region in REGIONS]
    found = [discovery.discover(conn, root, region, fetched, interval_start=START, observed_at=now,
                                calls=discovery_calls("live")) for region in REGIONS]
    loaded = pipeline.process(conn, root, fetched + [f for f in found if f["raw_key"]], interval_start=START)
    conn.commit()
    gathered = more_evidence.gather(conn, root, interval_start=START, observed_at=now, calls=evidence_calls("live"))
    conn.commit()
    return fetched, found, loaded, gathered


def test_a_live_run_reads_the_feed_the_charts_by_category_and_search_and_gathers_evidence(live, pg_conn, object_root):
    now = datetime.now(timezone.utc)
    fetched, found, loaded, gathered = _run_live(pg_conn, object_root, now)
    assert {p["status"] for p in fetched} == {"ok"} and {p["origin"] for p in fetched} == {"live"}
    # the RSS feed, per region
    assert {r.arg("geo") for r in live["google_trends"].requests_to("/trending/rss")} == set(REGIONS)
    # the chart per category; Sports (17) refused once per region, recorded in the payload, not retried
    charts = live["youtube"].requests_to("/youtube/v3/videos")
    refused = [r for r in charts if r.arg("videoCategoryId") == "17"]
    assert len(refused) == len(REGIONS)
    payload = json.loads((object_root / fetched[0]["raw_key"]).read_bytes())
    assert set(payload["charts"]) == {"10", "20", "1"} and "videoChartNotFound" in payload["refused"]["17"]
    # discovery: each region's leading terms searched since the interval's start, the hits' statistics asked
    searches = live["youtube"].requests_to("/youtube/v3/search")
    assert searches and len(searches) == sum(f["searches"] for f in found) <= 3 * len(REGIONS)
    assert {s.arg("publishedAfter") for s in searches} == {"2026-11-24T00:00:00Z"}
    assert {s.arg("relevanceLanguage") for s in searches if s.arg("regionCode") == "BR"} == {"pt"}
    assert sum(f["videos"] for f in found) > 0
    spent = quotas.spent(pg_conn, discovery.QUOTA_PLATFORM, "acf_youtube", discovery.Budget().rule, now)
    assert spent == len(searches) and found[-1]["budget_left"] == 100 - spent
    # evidence: comments and posts on X were asked for, within the caps
    assert len(live["reddit"].requests_to("/comments/")) == gathered["requests"]["comments"] <= 6
    x_searches = live["x"].requests_to("/2/tweets/search/recent")
    assert len(x_searches) == gathered["requests"]["x_posts"] <= 5
    assert sum(int(r.arg("max_results")) for r in x_searches) <= 60
    assert gathered["comments_read"] > 0 and gathered["x_posts_read"] > 0 and not gathered["errors"]
    top = db.fetch_dicts(pg_conn, "SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM acf.trend_evidence e"
                                  " WHERE e.trend_id = t.trend_id)) AS covered, count(*) AS top FROM"
                                  " (SELECT trend_id FROM acf.trends ORDER BY score DESC LIMIT 20) t")[0]
    assert top["top"] == 20 and top["covered"] / top["top"] >= 0.9, top


def test_the_search_budget_is_never_exceeded_and_resets_at_midnight_pacific(live, pg_conn, object_root, monkeypatch):
    from hooks.configured import discovery_calls, trend_calls

    conn = json.loads(__import__("os").environ["AIRFLOW_CONN_ACF_YOUTUBE"])
    conn["extra"]["search_budget"] = 4
    monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE", json.dumps(conn))
    fetched = []
    for source in ("google_trends", "reddit"):
        fetcher, _ = trend_calls(source, "live")
        fetched += [pipeline.fetch_raw(source, r, object_root, interval_start=START, fetcher=fetcher) for r in REGIONS]
    late = datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc)      # 23:30 in Los Angeles
    found = [discovery.discover(pg_conn, object_root, region, fetched, interval_start=START, observed_at=late,
                                calls=discovery_calls("live")) for region in REGIONS]
    assert sum(f["searches"] for f in found) == 4 == len(live["youtube"].requests_to("/youtube/v3/search"))
    assert found[-1]["budget_left"] == 0 and "budget spent" in found[-1]["error"]
    # after midnight Pacific the bucket is new again
    morning = late + timedelta(hours=1)
    again = discovery.discover(pg_conn, object_root, "DE", fetched, interval_start=START + timedelta(hours=6),
                               observed_at=morning, calls=discovery_calls("live"))
    assert again["searches"] > 0 and again["budget_left"] == 4 - again["searches"]


def test_quota_exceeded_from_youtube_blocks_the_bucket_until_the_reset(pg_conn, object_root, monkeypatch):
    from hooks.configured import discovery_calls, trend_calls

    with youtube_stand_in(search_quota=1) as server, google_trends_stand_in() as trends:
        monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE", json.dumps(
            {"conn_type": "acf_youtube", "host": server.url, "password": API_KEY, "extra": {"timeout": 2}}))
        monkeypatch.setenv("AIRFLOW_CONN_ACF_GOOGLE_TRENDS", json.dumps(
            {"conn_type": "acf_google_trends", "host": trends.url + "/trends", "extra": {"timeout": 2}}))
        fetcher, _ = trend_calls("google_trends", "live")
        fetched = [pipeline.fetch_raw("google_trends", "US", object_root, interval_start=START, fetcher=fetcher)]
        now = datetime(2026, 11, 24, 3, tzinfo=timezone.utc)
        found = discovery.discover(pg_conn, object_root, "US", fetched, interval_start=START, observed_at=now,
                                   calls=discovery_calls("live"))
        assert found["searches"] == 1 and "quota exceeded" in found["error"]
        assert len(server.requests_to("/youtube/v3/search")) == 2              # the refused call is not retried
        block = db.fetch_dicts(pg_conn, "SELECT * FROM acf.quota_blocks")[0]
        assert block["bucket"] == "search.list" and block["blocked_until"] == quotas.next_pacific_midnight(now)
        later = discovery.discover(pg_conn, object_root, "US", fetched, interval_start=START + timedelta(hours=6),
                                   observed_at=now + timedelta(hours=1), calls=discovery_calls("live"))
        assert later["searches"] == 0 and "blocked" in later["error"] or "said" in later["error"]
        assert len(server.requests_to("/youtube/v3/search")) == 2              # nothing asked while blocked
