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
    raw = hook.fetch_trending("GB")
    parsed = parsers.parse_payload("youtube", raw, region="GB", observed_at=NOW)
    assert len(parsed.observations) == 5 and not parsed.rejects
    request = server.requests[-1]
    assert request.path == "/youtube/v3/videos"
    assert request.arg("chart") == "mostPopular" and request.arg("regionCode") == "GB"
    assert request.arg("key") == API_KEY and request.arg("part") == "snippet,statistics"
    assert json.loads(raw)["nextPageToken"] == "5"  # the body is kept exactly as sent


def test_pagination_token_is_passed(server, monkeypatch):
    hook = _connect(monkeypatch, server.url)
    second = json.loads(hook.most_popular_raw("US", max_results=5, page_token="5"))
    assert len(second["items"]) == 3 and "nextPageToken" not in second
    assert server.requests[-1].arg("pageToken") == "5"


def test_429_with_retry_after_is_honoured_then_succeeds(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1), path="/videos")
    raw = _connect(monkeypatch, server.url).fetch_trending("US")
    assert json.loads(raw)["items"]
    assert len(server.requests) == 2


def test_500_every_time_makes_the_source_unavailable(server, monkeypatch):
    server.faults.always(Fault.server_error(500), path="/videos")
    with pytest.raises(SourceUnavailable, match="after 3 tries") as err:
        _connect(monkeypatch, server.url).fetch_trending("US")
    assert len(server.requests) == 3
    assert API_KEY not in str(err.value)  # the key in the URL is redacted


def test_timeout_and_cut_connection_are_retried(server, monkeypatch):
    server.faults.add(Fault.delay(3), path="/videos").add(Fault.cut(), path="/videos")
    raw = _connect(monkeypatch, server.url).fetch_trending("JP")
    assert json.loads(raw)["items"]
    assert len(server.requests) == 3


def test_malformed_body_is_kept_and_quarantined_by_the_parser(server, monkeypatch):
    server.faults.add(Fault.malformed(), path="/videos")
    raw = _connect(monkeypatch, server.url).fetch_trending("US")
    parsed = parsers.parse_payload("youtube", raw, region="US", observed_at=NOW)
    assert not parsed.observations and "payload is not a youtube response" in parsed.rejects[0].reason


def test_bad_key_is_not_retried(server, monkeypatch):
    with pytest.raises(SourceUnavailable, match="400"):
        _connect(monkeypatch, server.url, key="wrong").fetch_trending("US")
    assert len(server.requests) == 1


def test_test_connection(server, monkeypatch):
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert ok, message
    ok, message = _connect(monkeypatch, server.url, key="wrong-secret").test_connection()
    assert not ok and "wrong-secret" not in message and "400" in message
