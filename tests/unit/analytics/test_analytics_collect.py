"""Metrics collection: simulated offline metrics, platform fetchers, idempotent storage."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from acf import db
from acf.analytics import collect as collect_mod
from acf.analytics.fetchers import HookMetricsFetcher, MetricsFetchError, SimulatedFetcher, normalise
from acf.analytics.models import PublishedPost
from acf.analytics.simulated import simulate

T0 = datetime(2026, 1, 10, tzinfo=timezone.utc)


def _post(pid="pub_a", platform="youtube", account="outbox", external_id=None, tier="offline"):
    return PublishedPost(pid, "content_a", platform, account, external_id, tier, "technology", T0)


def test_simulated_metrics_are_deterministic_marked_and_grow_with_age():
    post = _post()
    day1, day2 = simulate(post, T0 + timedelta(days=1)), simulate(post, T0 + timedelta(days=2))
    assert day1 == simulate(post, T0 + timedelta(days=1))
    assert day1.simulated and day2.simulated
    assert 0 < day1.views < day2.views
    assert day1.likes <= day2.likes and day1.comments <= day2.comments
    assert simulate(post, T0 - timedelta(hours=1)).views == 0
    assert simulate(_post("pub_b"), T0 + timedelta(days=1)).views != day1.views


def test_normalise_maps_each_platforms_wire_fields():
    yt = normalise("youtube", "p", {"viewCount": "1200", "likeCount": "30", "commentCount": "4"}, T0)
    assert (yt.views, yt.likes, yt.comments, yt.shares, yt.simulated) == (1200, 30, 4, 0, False)
    tt = normalise("tiktok", "p", {"view_count": 50, "like_count": 5, "comment_count": 1, "share_count": 2}, T0)
    assert (tt.views, tt.likes, tt.comments, tt.shares) == (50, 5, 1, 2)
    ig = normalise("instagram", "p", {"plays": 70, "likes": 7, "ig_reels_video_view_total_time": 5000}, T0)
    assert (ig.views, ig.likes, ig.watch_seconds) == (70, 7, 5.0)
    fb = normalise("facebook", "p", {"total_video_views": 9,
                                     "total_video_reactions_by_type_total": {"like": 2, "love": 1}}, T0)
    assert (fb.views, fb.likes) == (9, 3)
    with pytest.raises(ValueError, match="viewCount"):
        normalise("youtube", "p", {"viewCount": "lots"}, T0)
    with pytest.raises(ValueError, match="myspace"):
        normalise("myspace", "p", {}, T0)


class _StatsHook:
    """Shaped like a platform hook's fetch_post_metrics: external id -> raw statistics."""

    def __init__(self, answer=None, error=None):
        self.answer, self.error, self.asked = answer or {}, error, []

    def fetch_post_metrics(self, external_ids):
        self.asked.append(list(external_ids))
        if self.error:
            raise self.error
        return self.answer


def test_collect_routes_offline_to_simulation_and_real_posts_to_their_fetcher():
    offline = _post("pub_off")
    real = _post("pub_yt", account="channel", external_id="vid1", tier="budget")
    missing = _post("pub_yt2", account="channel", external_id="vid2", tier="budget")
    bad = _post("pub_yt3", account="channel", external_id="vid3", tier="budget")
    tiktok = _post("pub_tt", platform="tiktok", account="me", external_id="t1", tier="budget")
    hook = _StatsHook({"vid1": {"viewCount": "10"}, "vid3": {"viewCount": "n/a"}})
    samples, report, rejected = collect_mod.collect(
        [offline, real, missing, bad, tiktok], T0 + timedelta(days=1),
        {"youtube": HookMetricsFetcher("youtube", hook)},
    )
    by_id = {s.publication_id: s for s in samples}
    assert set(by_id) == {"pub_off", "pub_yt"}
    assert by_id["pub_off"].simulated and not by_id["pub_yt"].simulated
    assert by_id["pub_yt"].views == 10
    assert hook.asked == [["vid1", "vid2", "vid3"]]
    reasons = dict(report.skipped)
    assert "returned no metrics for vid2" in reasons["pub_yt2"]
    assert "no metrics fetcher for tiktok" in reasons["pub_tt"]
    assert [r[0] for r in rejected] == ["pub_yt3"] and "malformed" in rejected[0][1]


def test_an_offline_made_piece_uploaded_for_real_is_measured_by_its_platform():
    uploaded = _post("pub_yt", account="channel", external_id="vid1", tier="offline")
    hook = _StatsHook({"vid1": {"viewCount": "7"}})
    samples, report, _ = collect_mod.collect([uploaded], T0 + timedelta(days=1),
                                             {"youtube": HookMetricsFetcher("youtube", hook)})
    assert [(s.views, s.simulated) for s in samples] == [(7, False)] and report.simulated == 0


def test_a_failing_platform_skips_its_posts_and_the_rest_go_on():
    real = _post("pub_yt", account="channel", external_id="vid1", tier="budget")
    hook = _StatsHook(error=ConnectionError("reset by peer"))
    samples, report, _ = collect_mod.collect(
        [real, _post("pub_off")], T0 + timedelta(days=1), {"youtube": HookMetricsFetcher("youtube", hook)}
    )
    assert [s.publication_id for s in samples] == ["pub_off"]
    assert report.skipped == [("pub_yt", "youtube: ConnectionError: reset by peer")]
    with pytest.raises(MetricsFetchError):
        HookMetricsFetcher("youtube", hook).fetch([real], T0)


def _seed_publication(conn, pid, state="published", published_at=T0, tier="offline", account=None,
                      external_id=None):
    account = account or f"outbox_{pid}"
    conn.execute(
        "INSERT INTO acf.trends (trend_id, term, title, category, first_seen, last_seen)"
        " VALUES ('trend_1', 't', 'T', 'technology', %s, %s) ON CONFLICT DO NOTHING", (T0, T0))
    conn.execute("INSERT INTO acf.opportunities (opportunity_id, trend_id, score) VALUES ('opp_1', 'trend_1', 0.5)"
                 " ON CONFLICT DO NOTHING")
    conn.execute(
        "INSERT INTO acf.content_pieces (content_id, opportunity_id, tier, target_seconds)"
        " VALUES ('content_1', 'opp_1', %s, 30) ON CONFLICT DO NOTHING", (tier,))
    conn.execute(
        "INSERT INTO acf.publications (publication_id, content_id, platform, account, state, external_id,"
        " published_at) VALUES (%s, 'content_1', 'youtube', %s, %s, %s, %s)",
        (pid, account, state, external_id, published_at))


def test_collect_and_store_is_idempotent_per_publication_and_observed_at(pg_conn):
    _seed_publication(pg_conn, "pub_1")
    _seed_publication(pg_conn, "pub_failed", state="failed")
    _seed_publication(pg_conn, "pub_later", published_at=T0 + timedelta(days=5))
    at = T0 + timedelta(days=1)
    first = collect_mod.collect_and_store(pg_conn, at)
    second = collect_mod.collect_and_store(pg_conn, at)
    assert first.stored == second.stored == 1 and first.simulated == 1
    rows = db.fetch_dicts(pg_conn, "SELECT * FROM acf.metrics")
    assert len(rows) == 1
    assert rows[0]["publication_id"] == "pub_1" and rows[0]["simulated"] is True
    assert rows[0]["views"] == simulate(_post("pub_1"), at).views
    collect_mod.collect_and_store(pg_conn, at + timedelta(days=1))
    series = db.fetch_dicts(pg_conn, "SELECT views FROM acf.metrics ORDER BY observed_at")
    assert len(series) == 2 and series[0]["views"] < series[1]["views"]


def test_malformed_platform_metrics_are_quarantined_with_reason(pg_conn):
    _seed_publication(pg_conn, "pub_real", tier="budget", account="channel", external_id="vid9")
    hook = _StatsHook({"vid9": {"viewCount": "NaN-ish"}})
    report = collect_mod.collect_and_store(
        pg_conn, T0 + timedelta(days=1), {"youtube": HookMetricsFetcher("youtube", hook)}, run_id="r1")
    assert report.stored == 0
    assert report.skipped and report.skipped[0][0] == "pub_real"
    rows = db.fetch_dicts(pg_conn, "SELECT stage, source, reason, payload, run_id FROM acf.quarantine")
    assert len(rows) == 1
    assert rows[0]["stage"] == "analytics.collect" and rows[0]["source"] == "pub_real"
    assert "malformed metrics" in rows[0]["reason"] and "NaN-ish" in rows[0]["payload"]


def test_simulated_fetcher_ignores_platform():
    assert SimulatedFetcher().fetch([_post(platform="tiktok")], T0 + timedelta(hours=5))[0].simulated
