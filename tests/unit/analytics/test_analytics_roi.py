"""ROI per content piece, category, tier and platform, and the scorer feedback."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from acf import db
from acf.analytics import roi
from acf.analytics.feedback import category_platform_performance, performance_multiplier

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
AS_OF = date(2026, 3, 5)
RPM = {"youtube": {"default": 1.0, "technology": 4.0}, "tiktok": {"default": 0.5}}


def _seed(conn):
    for trend_id, category in (("trend_t", "technology"), ("trend_m", "music")):
        conn.execute("INSERT INTO acf.trends (trend_id, term, title, category, first_seen, last_seen)"
                     " VALUES (%s, 't', 'T', %s, %s, %s)", (trend_id, category, T0, T0))
    conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES"
                 " ('opp_t', 'trend_t', 0.9), ('opp_m', 'trend_m', 0.5)")
    for content_id, opp, tier in (("c1", "opp_t", "budget"), ("c2", "opp_t", "premium"), ("c3", "opp_m", "offline")):
        conn.execute("INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds, created_at)"
                     " VALUES (%s, %s, %s, 30, %s)", (content_id, opp, tier, T0))
    calls = [(None, "opp_t", 0.10), ("c1", "opp_t", 0.40), ("c2", "opp_t", 0.60), ("c2", None, 0.40)]
    for content_id, opp, cost in calls:
        conn.execute("INSERT INTO acf.ai_calls (modality, provider, model, cost_usd, content_id, opportunity_id,"
                     " created_at) VALUES ('text', 'x', 'm', %s, %s, %s, %s)", (cost, content_id, opp, T0))
    # A call after the as-of day is not counted.
    conn.execute("INSERT INTO acf.ai_calls (modality, provider, model, cost_usd, content_id, created_at)"
                 " VALUES ('text', 'x', 'm', 99, 'c1', %s)", (T0 + timedelta(days=30),))
    pubs = [("p1y", "c1", "youtube", "published"), ("p1t", "c1", "tiktok", "published"),
            ("p2y", "c2", "youtube", "published"), ("p2i", "c2", "instagram", "failed"),
            ("p3y", "c3", "youtube", "published")]
    for pid, content_id, platform, state in pubs:
        conn.execute("INSERT INTO acf.publications (publication_id, content_id, platform, account, state,"
                     " published_at) VALUES (%s, %s, %s, 'acct', %s, %s)", (pid, content_id, platform, state, T0))
    samples = [("p1y", 1, 5000, 10, False), ("p1y", 3, 10000, 100, False), ("p1y", 10, 999999, 9, False),
               ("p1t", 3, 20000, 300, False), ("p2y", 2, 2000, 20, False), ("p3y", 2, 1000, 50, True)]
    for pid, day, views, likes, simulated in samples:
        conn.execute("INSERT INTO acf.metrics (publication_id, observed_at, views, likes, comments, shares,"
                     " simulated) VALUES (%s, %s, %s, %s, 1, 1, %s)",
                     (pid, T0 + timedelta(days=day), views, likes, simulated))


def _by_key(rows):
    return {r.key: r for r in rows}


def test_roi_per_piece_category_tier_and_platform(pg_conn):
    _seed(pg_conn)
    result = roi.compute_roi(pg_conn, AS_OF, RPM)
    content = _by_key(result["content"])
    # c1: 0.40 direct + half of the opportunity's 0.10; revenue 10k views at 4.0 + 20k at 0.5
    assert content["c1"].cost_usd == pytest.approx(0.45)
    assert content["c1"].revenue_usd == pytest.approx(50.0)
    assert content["c1"].roi == pytest.approx((50 - 0.45) / 0.45)
    assert content["c1"].engagement == 102 + 302
    assert content["c1"].engagement_per_usd == pytest.approx(404 / 0.45)
    assert content["c2"].cost_usd == pytest.approx(1.05) and content["c2"].publications == 1
    assert content["c3"].cost_usd == 0 and content["c3"].roi is None and content["c3"].simulated
    category = _by_key(result["category"])
    assert category["technology"].pieces == 2
    assert category["technology"].cost_usd == pytest.approx(1.5)
    assert category["technology"].revenue_usd == pytest.approx(58.0)
    assert category["technology"].views == 32000 and not category["technology"].simulated
    assert category["music"].revenue_usd == pytest.approx(1.0)
    tier = _by_key(result["tier"])
    assert set(tier) == {"budget", "premium", "offline"} and tier["offline"].roi is None
    platform = _by_key(result["platform"])
    assert platform["youtube"].cost_usd == pytest.approx(0.45 / 2 + 1.05)
    assert platform["youtube"].revenue_usd == pytest.approx(40 + 8 + 1)
    assert platform["youtube"].pieces == 3 and platform["youtube"].publications == 3
    assert platform["tiktok"].cost_usd == pytest.approx(0.225)
    assert "instagram" not in platform  # the failed upload earns nothing and shares no cost
    # Costs add up the same way across dimensions.
    for dimension in ("category", "tier", "platform"):
        assert sum(r.cost_usd for r in result[dimension]) == pytest.approx(1.5)


def test_rollups_are_replaced_per_day(pg_conn):
    _seed(pg_conn)
    counts = roi.rollup(pg_conn, AS_OF, RPM)
    assert counts == {"content": 3, "category": 2, "tier": 3, "platform": 2}
    roi.rollup(pg_conn, AS_OF, RPM)
    rows = db.fetch_dicts(pg_conn, "SELECT dimension, key, roi, revenue_usd FROM acf.roi_rollups"
                                   " WHERE as_of = %s ORDER BY dimension, key", (AS_OF,))
    assert len(rows) == 10
    tech = next(r for r in rows if r["key"] == "technology")
    assert float(tech["revenue_usd"]) == pytest.approx(58.0)
    assert next(r for r in rows if r["key"] == "offline")["roi"] is None


def test_rpm_table_is_data_and_validated(tmp_path):
    table = roi.load_rpm()
    assert {"youtube", "tiktok", "instagram", "facebook"} <= set(table)
    assert roi.rpm_for(table, "youtube", "no-such-category") == table["youtube"]["default"]
    assert roi.rpm_for(table, "myspace", "music") == 0.0
    bad = tmp_path / "rpm.yaml"
    bad.write_text("youtube: {default: -1}\n")
    with pytest.raises(roi.RpmTableError, match="youtube"):
        roi.load_rpm(bad)


def test_category_platform_performance_feeds_the_scorer(pg_conn):
    _seed(pg_conn)
    now = T0 + timedelta(days=20)
    perf = category_platform_performance(pg_conn, now=now)
    # Simulated (offline) metrics are left out: music only has simulated numbers.
    assert set(perf) == {"technology"}
    youtube, tiktok = perf["technology"]["youtube"], perf["technology"]["tiktok"]
    assert youtube["posts"] == 2 and youtube["views_per_post"] == pytest.approx((999999 + 2000) / 2)
    overall = (999999 + 2000 + 20000) / 3
    ratio = youtube["views_per_post"] / overall
    assert youtube["multiplier"] == pytest.approx(min(1.5, (2 * ratio + 5) / 7))
    assert tiktok["multiplier"] == pytest.approx(max(0.5, (20000 / overall + 5) / 6))
    assert tiktok["multiplier"] < 1 < youtube["multiplier"]
    # c1's cost (0.40 + 99 later + half of the opportunity's 0.10) shared by its two publications
    assert tiktok["cost_per_post"] == pytest.approx((0.40 + 99 + 0.05) / 2)
    with_sim = category_platform_performance(pg_conn, now=now, include_simulated=True)
    assert with_sim["music"]["youtube"]["posts"] == 1
    assert category_platform_performance(pg_conn, now=now + timedelta(days=365)) == {}
    assert performance_multiplier(perf, "technology", ["youtube", "tiktok"]) == pytest.approx(
        (youtube["multiplier"] + tiktok["multiplier"]) / 2)
    assert performance_multiplier(perf, "unknown", ["youtube"]) == 1.0
    assert performance_multiplier({}, "technology", []) == 1.0
