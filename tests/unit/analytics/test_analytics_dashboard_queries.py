"""The dashboard's read queries: daily totals from cumulative counts, costs, pagination bounds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from acf.analytics import dashboard, roi

NOW = datetime(2026, 4, 10, 12, tzinfo=timezone.utc)


def _seed(conn):
    conn.execute("INSERT INTO acf.trends (trend_id, term, title, category, first_seen, last_seen)"
                 " VALUES ('t1', 't', 'T', 'music', %s, %s)", (NOW, NOW))
    conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES ('o1', 't1', 0.5)")
    conn.execute("INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds, created_at)"
                 " VALUES ('c1', 'o1', 'budget', 30, %s)", (NOW - timedelta(days=5),))
    for platform in ("youtube", "tiktok"):
        conn.execute("INSERT INTO acf.publications (publication_id, content_id, platform, account, state)"
                     " VALUES (%s, 'c1', %s, 'a', 'published')", (f"p_{platform}", platform))
    points = [("p_youtube", 2, 9, 100), ("p_youtube", 2, 18, 150), ("p_youtube", 1, 9, 300),
              ("p_tiktok", 1, 10, 50), ("p_youtube", 40, 9, 1)]  # (pub, days ago, hour, views)
    for pid, days_ago, hour, views in points:
        at = (NOW - timedelta(days=days_ago)).replace(hour=hour)
        conn.execute("INSERT INTO acf.metrics (publication_id, observed_at, views, likes, comments, shares)"
                     " VALUES (%s, %s, %s, 1, 1, 1)", (pid, at, views))
    for day, modality, cost in ((1, "text", 0.5), (1, "image", 1.25), (2, "text", 0.25), (90, "voice", 9.0)):
        conn.execute("INSERT INTO acf.ai_calls (modality, provider, model, cost_usd, content_id, created_at)"
                     " VALUES (%s, 'p', 'm', %s, 'c1', %s)", (modality, cost, NOW - timedelta(days=day)))
    conn.execute("TRUNCATE acf.roi_rollups")


def test_performance_sums_each_posts_latest_count_per_day(pg_conn):
    _seed(pg_conn)
    perf = dashboard.performance(pg_conn, days=30, now=NOW)
    by_day = {d["day"]: d for d in perf["daily"]}
    day2, day1 = (NOW - timedelta(days=2)).date().isoformat(), (NOW - timedelta(days=1)).date().isoformat()
    assert list(by_day) == [day2, day1]  # 40 days ago is outside the window
    assert by_day[day2]["views"] == 150 and by_day[day2]["publications"] == 1
    assert by_day[day1]["views"] == 350 and by_day[day1]["engagement"] == 6
    assert perf["by_platform"]["tiktok"] == [{"day": day1, "views": 50}]
    assert perf["roi_as_of"] is None and perf["roi"] == {} and perf["simulated"] is False
    roi.rollup(pg_conn, NOW.date())
    perf = dashboard.performance(pg_conn, days=30, now=NOW)
    assert perf["roi_as_of"] == NOW.date().isoformat()
    assert set(perf["roi"]) == {"category", "tier", "platform"}  # per-piece rows stay off the page
    assert perf["roi"]["category"][0]["key"] == "music"


def test_costs_summary_window_and_ledger_pages(pg_conn):
    _seed(pg_conn)
    costs = dashboard.costs(pg_conn, page=2, per_page=3, days=30, now=NOW)
    assert costs["total_usd"] == pytest.approx(11.0)
    assert sum(d["cost_usd"] for d in costs["daily"]) == pytest.approx(2.0)  # the 90-day-old call is outside
    assert costs["calls"]["total"] == 4 and costs["calls"]["pages"] == 2 and len(costs["calls"]["items"]) == 1
    assert costs["calls"]["items"][0]["cost_usd"] == pytest.approx(9.0)  # oldest last
    assert costs["unanswered_calls"] == 0


def test_costs_count_the_calls_whose_answer_was_never_read(pg_conn):
    from acf_dashboard import render

    _seed(pg_conn)
    pg_conn.execute("INSERT INTO acf.ai_calls (modality, provider, model, ok, error, in_flight, created_at)"
                    " VALUES ('text', 'anthropic', 'claude', false, 'no answer recorded', true, %s)", (NOW,))
    costs = dashboard.costs(pg_conn, now=NOW)
    assert costs["unanswered_calls"] == 1 and costs["calls"]["items"][0]["in_flight"] is True
    page = render.costs_page("/acf", costs)
    assert "1 call went out whose answer was never read" in page and "no answer read</span>" in page


def test_clamp_keeps_pages_in_bounds():
    assert dashboard.clamp(0, 0) == (1, 1, 0)
    assert dashboard.clamp(3, 1000) == (3, dashboard.MAX_PER_PAGE, 2 * dashboard.MAX_PER_PAGE)
    assert dashboard.Page([], 0, 1, 20).pages == 1 and dashboard.Page([], 41, 1, 20).pages == 3


def test_content_cards_show_when_a_scheduled_post_goes_live(pg_conn):
    from acf_dashboard.render import content_gallery

    _seed(pg_conn)
    slot = datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    pg_conn.execute("UPDATE acf.publications SET state = 'scheduled', scheduled_at = %s WHERE platform = 'tiktok'",
                    (slot,))
    pg_conn.execute("SET TIME ZONE 'Europe/Berlin'")          # the JSON says UTC whatever the session's zone
    page = dashboard.content(pg_conn)
    (piece,) = page.items
    by_platform = {p["platform"]: p for p in piece["publications"]}
    assert by_platform["tiktok"]["scheduled_at"] == "2026-12-04T17:00:00Z"
    assert by_platform["youtube"]["scheduled_at"] is None
    html = content_gallery("/acf", page.as_json())
    assert "tiktok: scheduled" in html and '<time datetime="2026-12-04T17:00:00Z">2026-12-04 17:00 UTC</time>' in html
