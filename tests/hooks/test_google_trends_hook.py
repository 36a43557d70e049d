"""GoogleTrendsHook against the loopback stand-in: the Trending-now feed over real HTTP, interest through pytrends."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from acf.trends import parsers
from acf.trends.retry import SourceUnavailable
from hooks.google_trends import GoogleTrendsHook
from stand_ins.base import Fault
from stand_ins.google_trends import google_trends_stand_in

NOW = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)


def _connect(monkeypatch, url, **extra):
    conn = {"conn_type": "acf_google_trends", "host": f"{url}/trends", "extra": {"timeout": 1, **extra}}
    monkeypatch.setenv("AIRFLOW_CONN_ACF_GOOGLE_TRENDS", json.dumps(conn))
    return GoogleTrendsHook()


@pytest.fixture
def server():
    with google_trends_stand_in() as stand_in:
        yield stand_in


def test_trending_feed_over_http_parses(server, monkeypatch):
    raw = _connect(monkeypatch, server.url).fetch_trending("DE")
    assert raw.lstrip().startswith(b"<?xml")
    parsed = parsers.parse_payload("google_trends", raw, region="DE", observed_at=NOW)
    assert len(parsed.observations) == 8 and not parsed.rejects
    first = parsed.observations[0]
    assert first.metrics["traffic"] > 0 and first.metrics["approx_traffic"].endswith("+")
    assert first.metrics["news_items"][0]["url"].startswith("https://")
    assert first.published_at is not None
    feed = server.requests_to("/trending/rss")[0]
    assert feed.arg("geo") == "DE" and len(server.requests) == 1  # no pytrends cookie dance for the list


def test_429_with_retry_after_then_success(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1, body="<html>quota</html>"), path="trending/rss")
    raw = _connect(monkeypatch, server.url).fetch_trending("US")
    assert b"<ht:approx_traffic>" in raw
    assert len(server.requests_to("trending/rss")) == 2


def test_429_with_a_long_retry_after_degrades_at_once(server, monkeypatch):
    server.faults.always(Fault.too_many(retry_after=3600), path="trending/rss")
    with pytest.raises(SourceUnavailable, match="retry after 3600"):
        _connect(monkeypatch, server.url).fetch_trending("US")
    assert len(server.requests_to("trending/rss")) == 1


def test_500_every_time_makes_the_source_unavailable(server, monkeypatch):
    server.faults.always(Fault.server_error(500), path="trending/rss")
    with pytest.raises(SourceUnavailable, match="after 3 tries"):
        _connect(monkeypatch, server.url).fetch_trending("US")


def test_google_404_page_is_unavailable_without_retrying(server, monkeypatch):
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        _connect(monkeypatch, server.url).fetch_trending("ZZ")
    assert len(server.requests_to("trending/rss")) == 1


def test_timeout_then_success(server, monkeypatch):
    server.faults.add(Fault.delay(3), path="trending/rss")
    raw = _connect(monkeypatch, server.url).fetch_trending("IN")
    assert b"<rss" in raw
    assert len(server.requests_to("trending/rss")) == 2


def test_entity_bomb_from_the_server_is_rejected_whole(server, monkeypatch):
    raw = _connect(monkeypatch, server.url).fetch_trending("XB")
    parsed = parsers.parse_payload("google_trends", raw, region="XB", observed_at=NOW)
    assert not parsed.observations and len(parsed.rejects) == 1 and parsed.rejects[0].whole_payload
    assert "DTDForbidden" in parsed.rejects[0].reason


def test_malformed_body_is_rejected_whole(server, monkeypatch):
    server.faults.add(Fault.malformed(b"<rss><channel><item>"), path="trending/rss")
    raw = _connect(monkeypatch, server.url).fetch_trending("US")
    parsed = parsers.parse_payload("google_trends", raw, region="US", observed_at=NOW)
    assert parsed.rejects[0].whole_payload and "not XML" in parsed.rejects[0].reason


def test_test_connection(server, monkeypatch):
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert ok and "8 trending searches" in message
    assert server.requests_to("trending/rss")[0].arg("geo") == "US"
    server.faults.always(Fault.server_error(503), path="trending/rss")
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert not ok


def test_interest_over_time_through_pytrends_explore_then_widget(server, monkeypatch):
    from acf.trends import signals

    hook = _connect(monkeypatch, server.url)
    raw = hook.fetch_signals(["Taylor Swift new album", "GTA 6 trailer", "a", "b", "c", "sixth"], "GB")
    interest = signals.read_gt_interest(raw)
    assert list(interest) == ["Taylor Swift new album", "GTA 6 trailer", "a", "b", "c"]  # five per request
    assert all(0 <= now <= 100 and 0 <= mean <= 100 for now, mean in interest.values())
    explore, widget = server.requests_to("/trends/api/explore$")[0], server.requests_to("multiline")[0]
    assert explore.method == "POST" and explore.arg("hl") == "en-US"
    asked = json.loads(explore.arg("req"))["comparisonItem"]
    assert [i["keyword"] for i in asked][:2] == ["Taylor Swift new album", "GTA 6 trailer"]
    assert {i["geo"] for i in asked} == {"GB"} and {i["time"] for i in asked} == {"now 7-d"}
    assert widget.arg("token") == "APP6_stand-in-token"
    assert "NID=stand-in-cookie" in widget.headers.get("cookie", "")
    # pytrends' own frame-building call goes the same way
    assert set(hook.interest_over_time(["GTA 6 trailer"], "US")) == {"GTA 6 trailer"}


def test_explore_answers_every_widget_as_pytrends_reads_them(server, monkeypatch):
    client = _connect(monkeypatch, server.url).client
    client.build_payload(["GTA 6 trailer", "Oscars 2026 winners"], timeframe="now 7-d", geo="US")
    assert client.interest_over_time_widget["id"] == "TIMESERIES"
    assert client.interest_by_region_widget["id"] == "GEO_MAP"            # the first GEO_MAP, the comparison's
    assert [w["id"] for w in client.related_topics_widget_list] == ["RELATED_TOPICS_0", "RELATED_TOPICS_1"]
    assert [w["request"]["restriction"]["complexKeywordsRestriction"]["keyword"][0]["value"]
            for w in client.related_queries_widget_list] == ["GTA 6 trailer", "Oscars 2026 winners"]
    client.build_payload(["GTA 6 trailer"], timeframe="now 7-d", geo="US")   # one keyword: no suffixes
    assert [w["id"] for w in client.related_queries_widget_list] == ["RELATED_QUERIES"]


def test_interest_429_then_success(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1), path="multiline")
    raw = _connect(monkeypatch, server.url).fetch_signals(["GTA 6 trailer"], "US")
    assert json.loads(raw)["response"]["default"]["timelineData"]
    assert len(server.requests_to("multiline")) == 2
