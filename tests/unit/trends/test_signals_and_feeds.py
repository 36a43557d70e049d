"""Candidate-term signals (X recent-search counts, Google Trends interest) beside the trends, and subreddit
listings without a region, end to end offline."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone

import numpy as np
import pytest

from acf import db, storage
from acf.trends import fetch_plan, offline, parsers, pipeline, scoring, signals
from acf.trends.sources import google_trends, x
from acf.trends.models import NO_REGION, TrendObservation

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)


def _x(title: str, volume: int) -> TrendObservation:
    return TrendObservation(source="x", region="US", term=title.lower(), title=title, url=None, category=None,
                            metrics={"tweet_volume": volume}, observed_at=END, language=None,
                            source_item_id=title, engagement=float(volume))


def test_plan_lists_each_subreddit_once_without_region():
    fetches = fetch_plan.plan(["youtube", "reddit"], ["US", "GB"], ["r/Gaming", "gaming", " space ", ""])
    assert [(f["source"], f["region"], f["feed"]) for f in fetches] == [
        ("youtube", "US", None), ("youtube", "GB", None), ("reddit", "US", None), ("reddit", "GB", None),
        ("reddit", NO_REGION, "Gaming"), ("reddit", NO_REGION, "space")]
    assert fetch_plan.plan(["youtube"], ["US"], ["gaming"]) == [{"source": "youtube", "region": "US", "feed": None}]
    with pytest.raises(ValueError, match="'r/no spaces'.*'x'"):
        fetch_plan.plan(["reddit"], ["US"], ["r/no spaces", "x", "fine_name"])


def test_queries_and_candidates():
    assert signals.x_query("#ThanksgivingRecipes") == "#ThanksgivingRecipes"
    assert signals.x_query('Super  "Bowl" show') == '"Super Bowl show"'
    assert signals.x_query("  ") is None and signals.x_query("a" * 600) is None
    observations = [_x("Loud", 900), _x("Silent", 0), _x("Quiet", 10), _x("Loud", 900), _x("   ", 0)]
    assert signals.x_candidates(observations) == ["Silent", "Loud", "Quiet"]
    assert signals.x_candidates(observations, limit=1) == ["Silent"]


def test_counts_fill_a_missing_volume_and_add_metrics():
    document = json.loads(x.sample_counts(["Silent", "Loud"], END))
    document["Silent"]["data"][-1]["tweet_count"] = 4321
    counts = signals.read_x_counts(json.dumps(document))
    silent, loud, other = _x("Silent", 0), _x("Loud", 900), _x("Other", 5)
    assert signals.apply_x_counts([silent, loud, other], counts) == 2
    assert silent.engagement == 4321 and silent.metrics["volume_from"] == "recent_counts"
    assert silent.metrics["recent_count_24h"] == 4321
    assert silent.metrics["recent_count_7d"] == document["Silent"]["meta"]["total_tweet_count"]
    assert loud.engagement == 900 and "volume_from" not in loud.metrics and loud.metrics["recent_count_7d"] > 0
    assert "recent_count_7d" not in other.metrics
    before = [b["tweet_count"] for b in document["Silent"]["data"][:-1]]
    assert silent.momentum == pytest.approx(math.log1p(4321) - math.log1p(sum(before) / len(before)))
    assert other.momentum is None


def test_momentum_is_the_velocity_of_a_trend_seen_first():
    now, before = np.array([100.0, 100.0, 100.0, 100.0]), np.array([np.nan, np.nan, np.nan, 50.0])
    momentum = np.array([np.nan, 2.0, -2.0, -2.0])
    v = scoring.velocity(now, before, momentum)
    assert v[0] == scoring.NEW_TREND_VELOCITY  # no previous interval and no signal
    assert v[1] == pytest.approx(0.5 + 0.5 * math.tanh(1.0)) and v[2] == pytest.approx(0.5 - 0.5 * math.tanh(1.0))
    assert v[3] == pytest.approx(0.5 + 0.5 * math.tanh((math.log1p(100) - math.log1p(50)) / 2))  # previous wins


def test_interest_reads_the_newest_complete_point_per_term():
    document = json.loads(google_trends.sample_interest(["one", "two"], END))
    timeline = document["response"]["default"]["timelineData"]
    timeline[-2]["value"] = [77, 3]
    timeline[-1]["value"] = [1, 1]  # the partial hour does not count as now
    interest = signals.read_gt_interest(json.dumps(document))
    assert interest["one"][0] == 77 and interest["two"][0] == 3
    one, other = _x("one", 5), _x("three", 5)
    assert signals.apply_gt_interest([one, other], interest) == 1
    assert one.metrics["interest_now"] == 77 and 0 < one.metrics["interest_mean_7d"] <= 100
    assert signals.gt_candidates([_x("a", 1), _x("b", 9), _x("b", 9), _x("c", 5)], limit=2) == ["b", "c"]


@pytest.mark.parametrize("body, reason", [
    ('{"terms": ["a"], "response": {"default": {"timelineData": [{"value": [1, 2]}]}}}', "2 values for 1 terms"),
    ('{"terms": ["a"], "response": {"default": {"timelineData": [{"value": [101]}]}}}', "not 0-100"),
    ('{"terms": ["a"], "response": "<html>"}', "no default.timelineData"),
    ('{"response": {}}', "no terms list"),
])
def test_unreadable_interest_says_why(body, reason):
    with pytest.raises(ValueError, match=reason):
        signals.read_gt_interest(body)


@pytest.mark.parametrize("body, reason", [
    ('["not", "an", "object"]', "not an object"),
    ('{"Loud": {"errors": [{"title": "Invalid Request"}]}}', "no data list"),
    ('{"Loud": {"data": [{"tweet_count": "many"}]}}', "not a count"),
    ('{"Loud": {"data": [{"tweet_count": 5, "start": "yesterday"}]}}', "no start and end"),
    ('{"Loud": {"data": [{"tweet_count": 5, "start": "2026-11-01T00:00:00Z", "end": "2026-11-03T00:00:00Z"}]}}',
     "longer than a day"),
])
def test_unreadable_counts_say_why(body, reason):
    with pytest.raises(ValueError, match=reason):
        signals.read_x_counts(body)


def test_offline_run_enriches_x_and_loads_subreddit_posts_without_region(pg_conn, object_root):
    payloads = [pipeline.fetch_raw(s, r, object_root, interval_start=START, observed_at=END)
                for s in ("x", "reddit", "youtube", "google_trends") for r in ("US", "GB", "JP")]
    payloads.append(pipeline.fetch_raw("reddit", NO_REGION, object_root, interval_start=START, observed_at=END,
                                       feed="space"))
    x_us = payloads[0]
    assert x_us["signals_key"] == "raw/x/2026-11-24/US/20261124T000000Z-signals.json"
    asked = json.loads(storage.get_bytes(object_root, x_us["signals_key"]))
    assert "Super Bowl halftime show" in asked  # no tweet count in the list: counted first
    assert payloads[-1]["raw_key"] == "raw/reddit/2026-11-24/ZZ/20261124T000000Z-r-space.json"

    summary = pipeline.process(pg_conn, object_root, payloads, interval_start=START, interval_end=END)
    pg_conn.commit()
    assert summary["payloads"] == 13 and summary["skipped_payloads"] == 0
    counted = db.fetch_dicts(pg_conn, "SELECT metrics, engagement FROM acf.trend_observations"
                                      " WHERE source = 'x' AND region = 'US' AND title = 'Super Bowl halftime show'")
    assert counted and counted[0]["metrics"]["volume_from"] == "recent_counts"
    assert counted[0]["engagement"] == counted[0]["metrics"]["recent_count_24h"] > 0
    components = db.fetch_dicts(pg_conn, "SELECT t.score_components AS c FROM acf.trends t JOIN acf.trend_observations o"
                                         " USING (trend_id) WHERE o.title = 'Super Bowl halftime show'")[0]["c"]
    assert components["velocity_from"] == "source_momentum" and components["momentum"] > 0  # counts rising
    assert components["velocity"] == pytest.approx(0.5 + 0.5 * math.tanh(components["momentum"] / 2), abs=1e-5)

    gt = db.fetch_dicts(pg_conn, "SELECT metrics FROM acf.trend_observations"
                                 " WHERE source = 'google_trends' AND region = 'JP' AND metrics ? 'interest_now'")
    assert len(gt) == 5 and all(0 <= g["metrics"]["interest_now"] <= 100 for g in gt)

    space = db.fetch_dicts(pg_conn, "SELECT DISTINCT trend_id FROM acf.trend_observations WHERE region = 'ZZ'")
    assert space, "the subreddit's posts are loaded"
    ids = [row["trend_id"] for row in space]
    trends = db.fetch_dicts(pg_conn, "SELECT trend_id, regions, score_components FROM acf.trends"
                                     " WHERE trend_id = ANY(%s)", (ids,))
    assert all(NO_REGION not in t["regions"] for t in trends)
    assert all(t["score_components"]["regions"] == len(t["regions"]) for t in trends)
    reach = db.fetch_dicts(pg_conn, "SELECT regions FROM acf.trend_reach WHERE trend_id = ANY(%s)", (ids,))
    momentum = db.fetch_dicts(pg_conn, "SELECT region FROM acf.trend_regional_momentum WHERE trend_id = ANY(%s)",
                              (ids,))
    assert all(NO_REGION not in r["regions"] for r in reach) and all(m["region"] != NO_REGION for m in momentum)
    # ...but its engagement counts in the region stats, which velocity compares against next interval
    zz = db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trend_region_stats WHERE region = 'ZZ'")[0]["n"]
    assert zz == len(ids)

    rerun = pipeline.process(pg_conn, object_root, payloads, interval_start=START, interval_end=END)
    assert rerun["skipped_payloads"] == 13 and rerun["loaded"] == 0


def test_unreadable_stored_signals_are_quarantined_and_the_trends_load(pg_conn, object_root):
    payload = pipeline.fetch_raw("x", "US", object_root, interval_start=START, observed_at=END)
    storage.put_bytes(object_root, payload["signals_key"], b'{"Super Bowl halftime show": {"data": "x"}}')
    summary = pipeline.process(pg_conn, object_root, [payload], interval_start=START, interval_end=END)
    pg_conn.commit()
    expected = len(parsers.parse_payload("x", offline.sample_payload("x", "US", END), region="US",
                                         observed_at=END).observations)
    assert summary["loaded"] == expected
    rows = db.fetch_dicts(pg_conn, "SELECT reason, raw_key FROM acf.quarantine WHERE raw_key = %s",
                          (payload["signals_key"],))
    assert len(rows) == 1 and rows[0]["reason"].startswith("signals unreadable") and "no data list" in rows[0]["reason"]


def _buckets(edges: list[str], counts: list[int]) -> dict:
    data = [{"start": start, "end": end, "tweet_count": n} for start, end, n in zip(edges, edges[1:], counts)]
    return {"data": data, "meta": {"total_tweet_count": sum(counts)}}


def test_daily_counts_compare_full_days_only():
    # asked at 13:30: the first day starts mid-day (7 days back), the newest ends at the request time
    edges = ["2026-11-17T13:30:00.000Z", "2026-11-18T00:00:00.000Z", "2026-11-19T00:00:00.000Z",
             "2026-11-20T00:00:00.000Z", "2026-11-21T00:00:00.000Z", "2026-11-22T00:00:00.000Z",
             "2026-11-23T00:00:00.000Z", "2026-11-24T00:00:00.000Z", "2026-11-24T13:30:00.000Z"]
    counts = [10, 100, 100, 100, 100, 100, 400, 150]
    (week, day, now, before), = signals.read_x_counts(json.dumps({"T": _buckets(edges, counts)})).values()
    assert week == sum(counts) and day == 400 and now == 400 and before == 100  # the partial edges left out
    trend = _x("T", 0)
    signals.apply_x_counts([trend], {"T": (week, day, now, before)})
    assert trend.momentum == pytest.approx(math.log1p(400) - math.log1p(100)) and trend.engagement == 400


def test_hourly_counts_compare_full_hours_and_sum_a_day():
    # the API's default granularity; the window starts at :20 and the newest hour has 5 minutes
    edges = ["2026-11-23T05:20:00.000Z"] + [f"2026-11-{23 + (h // 24)}T{h % 24:02d}:00:00.000Z" for h in range(6, 32)]
    edges.append("2026-11-24T07:05:00.000Z")
    counts = [7] + [10] * 24 + [40] + [1]   # 40 min, 24 full hours of 10, the newest full hour 40, 5 min
    assert len(counts) == len(edges) - 1
    (week, day, now, before), = signals.read_x_counts(json.dumps({"T": _buckets(edges, counts)})).values()
    assert now == 40 and before == 10 and day == 23 * 10 + 40   # the last 24 full hours
    assert week == sum(counts)


def test_counts_without_a_full_period_give_no_momentum():
    edges = ["2026-11-24T00:00:00.000Z", "2026-11-24T00:40:00.000Z"]  # one partial hour only
    (week, day, now, before), = signals.read_x_counts(json.dumps({"T": _buckets(edges, [12])})).values()
    assert (week, day, before) == (12, 12, None)
