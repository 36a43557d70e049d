"""RedditHook through the real praw (read-only app credentials) against the loopback stand-in."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from acf.trends import parsers
from acf.trends.retry import SourceRefused, SourceUnavailable
from hooks.reddit import RedditHook
from stand_ins.base import Fault
from stand_ins.reddit import CLIENT_ID, CLIENT_SECRET, TOKEN, reddit_stand_in

NOW = datetime(2026, 11, 24, 6, tzinfo=timezone.utc)


def _connect(monkeypatch, url, secret=CLIENT_SECRET, **extra):
    conn = {"conn_type": "acf_reddit", "host": url, "login": CLIENT_ID, "password": secret,
            "extra": {"reddit_url": url, "timeout": 1, **extra}}
    monkeypatch.setenv("AIRFLOW_CONN_ACF_REDDIT", json.dumps(conn))
    return RedditHook()


@pytest.fixture
def server():
    with reddit_stand_in() as stand_in:
        yield stand_in


def test_popular_hot_by_region_through_praw(server, monkeypatch):
    raw = _connect(monkeypatch, server.url).fetch_trending("GB")
    parsed = parsers.parse_payload("reddit", raw, region="GB", observed_at=NOW)
    assert len(parsed.observations) == 8 and not parsed.rejects
    token, listing = server.requests[0], server.requests[-1]
    assert token.path == "/api/v1/access_token" and token.method == "POST"
    assert listing.path == "/r/popular/hot" and listing.arg("geo_filter") == "GB" and listing.arg("limit") == "100"
    assert listing.headers["authorization"].lower() == f"bearer {TOKEN}"


def test_subreddit_hot(server, monkeypatch):
    raw = _connect(monkeypatch, server.url, subreddits="gaming, music").hot_raw("gaming", limit=3)
    posts = json.loads(raw)["data"]["children"]
    assert posts and {p["data"]["subreddit"] for p in posts} == {"gaming"}
    listing = server.requests[-1]
    assert listing.path == "/r/gaming/hot" and listing.arg("geo_filter") is None and listing.arg("limit") == "3"


def test_429_with_retry_after_then_success(server, monkeypatch):
    server.faults.add(Fault.too_many(retry_after=1), path="/hot")
    assert json.loads(_connect(monkeypatch, server.url).fetch_trending("US"))["data"]["children"]
    assert len(server.requests_to("/hot")) == 2


def test_500_then_success(server, monkeypatch):
    server.faults.add(Fault.server_error(500), path="/hot")
    assert json.loads(_connect(monkeypatch, server.url).fetch_trending("US"))["data"]["children"]
    assert len(server.requests_to("/hot")) == 2


def test_timeout_then_success(server, monkeypatch):
    server.faults.add(Fault.delay(3), path="/hot")
    assert json.loads(_connect(monkeypatch, server.url).fetch_trending("DE"))["data"]["children"]
    assert len(server.requests_to("/hot")) == 2


def test_malformed_body_is_unavailable(server, monkeypatch):
    server.faults.always(Fault.malformed(b'{"kind": "Listing", "data": {'), path="/hot")
    with pytest.raises(SourceUnavailable):
        _connect(monkeypatch, server.url).fetch_trending("US")


def test_test_connection(server, monkeypatch):
    ok, message = _connect(monkeypatch, server.url).test_connection()
    assert ok, message
    ok, message = _connect(monkeypatch, server.url, secret="wrong-secret").test_connection()
    assert not ok and "wrong-secret" not in message


@pytest.mark.parametrize("refusal, message", [
    ("401_bare", r"Reddit refused the credentials \(401\)"),          # prawcore alone: KeyError: 401
    ("401_invalid_token", r"Reddit refused the credentials \(401\)"),
    ("403", r"Reddit refused access \(403\)"),
])
def test_refusal_is_a_clear_error_without_refetching(monkeypatch, refusal, message):
    status = int(refusal[:3])

    def refused_once(path: str) -> None:
        # Answered with the refusal exactly once and never asked again after it (a connection the loaded
        # machine drops before the answer may be retried by prawcore: that is not a refusal retried).
        answers = [r.status for r in server.requests_to(path) if r.status is not None]
        assert answers.count(status) == 1 and answers[-1] == status, answers

    with reddit_stand_in(refusal=refusal) as server:
        with pytest.raises(SourceRefused, match=message):
            _connect(monkeypatch, server.url).fetch_trending("US")
        refused_once("/hot")
        assert len(server.requests_to("/access_token")) == 1      # no token refetch loop
        with pytest.raises(SourceRefused, match=message):   # the comments are refused the same way
            _connect(monkeypatch, server.url).comments_raw("5f9ba4e")
        refused_once("/comments/")
        assert len(server.requests_to("/access_token")) == 2


def test_top_comments_of_a_post_through_praw(server, monkeypatch):
    from acf.trends import evidence

    raw = _connect(monkeypatch, server.url).comments_raw("5f9ba4e", limit=3)
    request = server.requests[-1]
    assert request.path == "/comments/5f9ba4e" and request.arg("sort") == "top" and request.arg("limit") == "3"
    assert request.headers["authorization"].lower() == f"bearer {TOKEN}"
    post, listing = json.loads(raw)
    assert post["data"]["children"][0]["data"]["id"] == "5f9ba4e" and len(listing["data"]["children"]) == 3
    comments = evidence.reddit_comments(json.loads(raw), per_post=3)
    assert [c.metrics["score"] for c in comments] == sorted((c.metrics["score"] for c in comments), reverse=True)
    assert all(c.parent_id == "5f9ba4e" and c.publisher == "r/gaming" and c.author.startswith("u/") for c in comments)
    with pytest.raises(SourceUnavailable, match="404"):
        _connect(monkeypatch, server.url).comments_raw("zzzzzz")
    with pytest.raises(ValueError, match="post id"):
        _connect(monkeypatch, server.url).comments_raw("../r/all")


def test_refused_token_is_a_clear_error(server, monkeypatch):
    with pytest.raises(SourceRefused, match=r"Reddit refused the credentials \(401\)") as caught:
        _connect(monkeypatch, server.url, secret="wrong-secret").fetch_trending("US")
    assert "wrong-secret" not in str(caught.value) and len(server.requests_to("/access_token")) == 1
