"""XHook through the real tweepy Client (bearer token) against the loopback stand-in."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from acf.trends import parsers, signals
from acf.trends.retry import SourceUnavailable
from hooks.x import XHook
from stand_ins.base import Fault
from stand_ins.x import BEARER, x_stand_in

NOW = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)


def _connect(monkeypatch, url, token=BEARER, **extra):
    conn = {"conn_type": "acf_x", "host": url, "password": token, "extra": {"timeout": 1, **extra}}
    monkeypatch.setenv("AIRFLOW_CONN_ACF_X", json.dumps(conn))
    return XHook()


@pytest.fixture
def server():
    with x_stand_in() as stand_in:
        yield stand_in


def test_trends_by_woeid_through_tweepy(server, monkeypatch):
    raw = _connect(monkeypatch, server.url, max_trends=5).fetch_trending("BR")
    parsed = parsers.parse_payload("x", raw, region="BR", observed_at=NOW)
    assert len(parsed.observations) == 5 and not parsed.rejects
    request = server.requests[-1]
    assert request.path == "/2/trends/by/woeid/23424768" and request.arg("max_trends") == "5"
    assert request.headers["authorization"] == f"Bearer {BEARER}"
    assert "Tweepy" in request.headers["user-agent"]


def test_recent_counts(server, monkeypatch):
    assert _connect(monkeypatch, server.url).recent_count("taylor swift") == 1120
    assert server.requests[-1].path == "/2/tweets/counts/recent"
    assert server.requests[-1].arg("query") == "taylor swift"
    assert server.requests[-1].arg("granularity") == "day"


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_counts_of_a_granularity_compare_full_periods(server, monkeypatch, granularity):
    hook = _connect(monkeypatch, server.url, count_granularity=granularity)
    (week, day, newest, before), = signals.read_x_counts(hook.fetch_signals(["Taylor Swift"], "US")).values()
    assert server.requests[-1].arg("granularity") == granularity
    # the stand-in spreads posts evenly over time: full periods are alike, the cut edges are left out
    assert week == 1140 and newest is not None and before is not None
    assert abs(newest - before) <= 1 and newest < week


def test_unknown_granularity_is_refused_before_asking(server, monkeypatch):
    with pytest.raises(ValueError, match="count_granularity"):
        _connect(monkeypatch, server.url, count_granularity="week").recent_counts_raw("a")
    assert not server.requests


def test_429_retry_after_then_success(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1), path="/trends/")
    assert json.loads(_connect(monkeypatch, server.url).fetch_trending("US"))["data"]
    assert len(server.requests) == 2


def test_500_every_time_is_unavailable(server, monkeypatch):
    server.faults.always(Fault.server_error(503), path="/trends/")
    with pytest.raises(SourceUnavailable, match="after 3 tries"):
        _connect(monkeypatch, server.url).fetch_trending("US")
    assert len(server.requests) == 3


def test_timeout_and_cut_are_retried(server, monkeypatch):
    server.faults.add(Fault.delay(3), path="/trends/").add(Fault.cut(), path="/trends/")
    assert json.loads(_connect(monkeypatch, server.url).fetch_trending("GB"))["data"]
    assert len(server.requests) == 3


def test_malformed_body_is_kept_and_quarantined_by_the_parser(server, monkeypatch):
    server.faults.add(Fault.malformed(b'{"data": [{"trend_name": '), path="/trends/")
    raw = _connect(monkeypatch, server.url).fetch_trending("US")
    parsed = parsers.parse_payload("x", raw, region="US", observed_at=NOW)
    assert not parsed.observations and parsed.rejects[0].reason.startswith("payload is not a x response")


def test_unknown_region_and_bad_token(server, monkeypatch):
    with pytest.raises(SourceUnavailable, match="WOEID"):
        _connect(monkeypatch, server.url).fetch_trending("ZZ")
    with pytest.raises(SourceUnavailable, match="Unauthorized"):
        _connect(monkeypatch, server.url, token="nope").fetch_trending("US")
    assert len(server.requests) == 1  # 401 is not retried


def test_test_connection(server, monkeypatch):
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert ok, message
    ok, message = _connect(monkeypatch, server.url, token="leaked-token").test_connection()
    assert not ok and "leaked-token" not in message


def test_recent_search_asks_for_metrics_and_authors(server, monkeypatch):
    from acf.trends import evidence

    raw = _connect(monkeypatch, server.url).search_recent_raw('"Champions League final" -is:retweet', 20)
    request = server.requests[-1]
    assert request.path == "/2/tweets/search/recent" and request.arg("max_results") == "20"
    assert "public_metrics" in request.arg("tweet.fields") and request.arg("expansions") == "author_id"
    assert request.arg("user.fields") == "username,name" and request.arg("query") == '"Champions League final" -is:retweet'
    posts = evidence.x_posts(json.loads(raw))
    assert posts and all(p.kind == "x_post" and p.author.startswith("@") and p.metrics["like_count"] > 0 for p in posts)
    assert posts[0].url == f"https://x.com/{posts[0].author[1:]}/status/{posts[0].item_id}"


def test_rate_limit_as_x_sends_it_waits_until_the_reset(server, monkeypatch):
    """X's 429: application/problem+json, no Retry-After, the window's end in x-rate-limit-reset."""
    from stand_ins.x import rate_limited

    server.faults.add(Fault.answer(rate_limited(reset_in=1)), path="/search/recent")
    raw = _connect(monkeypatch, server.url).search_recent_raw("GTA 6 trailer")
    assert json.loads(raw)["meta"]["result_count"] >= 1 and len(server.requests) == 2
    server.faults.add(Fault.answer(rate_limited(reset_in=900)), path="/search/recent")
    with pytest.raises(SourceUnavailable, match="retry after"):   # 15 minutes away: not slept through
        _connect(monkeypatch, server.url).search_recent_raw("GTA 6 trailer")
    assert len(server.requests) == 3
