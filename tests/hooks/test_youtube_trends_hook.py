"""YouTubeHook (trends) through the real google-api-python-client against the loopback stand-in."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from acf.trends import parsers
from acf.trends.retry import SourceUnavailable
from hooks.youtube import YouTubeHook
from stand_ins.base import Fault
from stand_ins.youtube import API_KEY, youtube_stand_in

NOW = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)


def _connect(monkeypatch, url, key=API_KEY, **extra):
    conn = {"conn_type": "acf_youtube", "host": url, "password": key, "extra": {"timeout": 1, **extra}}
    monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE", json.dumps(conn))
    return YouTubeHook()


@pytest.fixture
def server():
    with youtube_stand_in() as stand_in:
        yield stand_in


def test_most_popular_goes_through_the_real_client_and_parses(server, monkeypatch):
    hook = _connect(monkeypatch, server.url, max_results=5)
    raw = hook.most_popular_raw("GB")
    parsed = parsers.parse_payload("youtube", raw, region="GB", observed_at=NOW)
    assert len(parsed.observations) == 5 and not parsed.rejects
    request = server.requests[-1]
    assert request.path == "/youtube/v3/videos"
    assert request.arg("chart") == "mostPopular" and request.arg("regionCode") == "GB"
    assert request.arg("key") == API_KEY and request.arg("part") == "snippet,statistics"
    assert json.loads(raw)["nextPageToken"] == "5"  # the body is kept exactly as sent


def test_the_chart_is_asked_per_category_and_a_refused_one_is_recorded_and_skipped(server, monkeypatch):
    # Sports (17) has no chart since 2025-07-21: videoChartNotFound, asked once, not a failed source
    raw = _connect(monkeypatch, server.url, chart_categories="10,20,17").fetch_trending("US")
    payload = json.loads(raw)
    assert payload["kind"] == "acf#youtubeCharts" and set(payload["charts"]) == {"10", "20"}
    assert "videoChartNotFound" in payload["refused"]["17"]
    assert [r.arg("videoCategoryId") for r in server.requests] == ["10", "20", "17"]
    parsed = parsers.parse_payload("youtube", raw, region="US", observed_at=NOW)
    assert not parsed.rejects and {o.category for o in parsed.observations} == {"10", "20"}
    # the default categories are the three charts mostPopular still reflects
    assert _connect(monkeypatch, server.url).chart_categories() == ["10", "20", "1"]


def test_a_region_whose_every_category_is_refused_is_unavailable(server, monkeypatch):
    with pytest.raises(SourceUnavailable, match="no chart served"):
        _connect(monkeypatch, server.url, chart_categories=["17", "25"]).fetch_trending("US")
    assert len(server.requests) == 2


def test_search_then_statistics_of_the_hits(server, monkeypatch):
    hook = _connect(monkeypatch, server.url, search_results=5)
    after = "2000-01-01T00:00:00Z"
    hits = json.loads(hook.search_raw("Champions League final", "GB", after, "en"))
    request = server.requests[-1]
    assert request.path == "/youtube/v3/search" and request.arg("type") == "video"
    assert (request.arg("order"), request.arg("regionCode"), request.arg("relevanceLanguage")) == ("viewCount", "GB", "en")
    assert request.arg("publishedAfter") == after and request.arg("maxResults") == "5"
    ids = [item["id"]["videoId"] for item in hits["items"]]
    assert hits["kind"] == "youtube#searchListResponse" and ids
    stats = hook.videos_raw(ids)
    assert server.requests[-1].arg("id") == ",".join(ids) and server.requests[-1].arg("part") == "snippet,statistics"
    parsed = parsers.parse_payload("youtube", stats, region="GB", observed_at=NOW)
    assert [o.source_item_id for o in parsed.observations] == ids and all(o.engagement > 0 for o in parsed.observations)


def test_search_quota_exceeded_is_not_retried():
    from acf.trends.retry import QuotaExceeded

    with youtube_stand_in(search_quota=1) as server:
        monkeypatch = pytest.MonkeyPatch()
        try:
            hook = _connect(monkeypatch, server.url)
            hook.search_raw("GTA 6 trailer", "US", "2000-01-01T00:00:00Z")
            with pytest.raises(QuotaExceeded, match="quota"):
                hook.search_raw("Oscars 2026 winners", "US", "2000-01-01T00:00:00Z")
            assert len(server.requests_to("/youtube/v3/search")) == 2
        finally:
            monkeypatch.undo()


def test_pagination_token_is_passed(server, monkeypatch):
    hook = _connect(monkeypatch, server.url)
    second = json.loads(hook.most_popular_raw("US", max_results=5, page_token="5"))
    assert len(second["items"]) == 3 and "nextPageToken" not in second
    assert server.requests[-1].arg("pageToken") == "5"


def test_429_with_retry_after_is_honoured_then_succeeds(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1), path="/videos")
    raw = _connect(monkeypatch, server.url, chart_categories="10").fetch_trending("US")
    assert json.loads(raw)["charts"]["10"]["items"]
    assert len(server.requests) == 2


def test_500_every_time_makes_the_source_unavailable(server, monkeypatch):
    server.faults.always(Fault.server_error(500), path="/videos")
    with pytest.raises(SourceUnavailable, match="after 3 tries") as err:
        _connect(monkeypatch, server.url, chart_categories="10").fetch_trending("US")
    assert len(server.requests) == 3
    assert API_KEY not in str(err.value)  # the key in the URL is redacted


def test_timeout_and_cut_connection_are_retried(server, monkeypatch):
    server.faults.add(Fault.delay(3), path="/videos").add(Fault.cut(), path="/videos")
    raw = _connect(monkeypatch, server.url, chart_categories="10").fetch_trending("JP")
    assert json.loads(raw)["charts"]["10"]["items"]
    assert len(server.requests) == 3


def test_malformed_body_is_kept_and_quarantined_by_the_parser(server, monkeypatch):
    server.faults.add(Fault.malformed(), path="/videos")
    raw = _connect(monkeypatch, server.url).most_popular_raw("US")
    parsed = parsers.parse_payload("youtube", raw, region="US", observed_at=NOW)
    assert not parsed.observations and "payload is not a youtube response" in parsed.rejects[0].reason
    server.faults.add(Fault.malformed(), path="/videos")   # in a region's charts: the region is unavailable
    with pytest.raises(ValueError):
        _connect(monkeypatch, server.url, chart_categories="10").fetch_trending("US")


def test_bad_key_is_not_retried(server, monkeypatch):
    with pytest.raises(SourceUnavailable, match="400"):
        _connect(monkeypatch, server.url, key="wrong").fetch_trending("US")
    assert len(server.requests) == 1


def test_test_connection(server, monkeypatch):
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert ok, message
    ok, message = _connect(monkeypatch, server.url, key="wrong-secret").test_connection()
    assert not ok and "wrong-secret" not in message and "400" in message
