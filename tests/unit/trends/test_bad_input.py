"""Bad input: stored verbatim where valid, quarantined with a reason where not; never a crash, nothing lost."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from acf import db, storage
from acf.trends import frame as frames, offline, parsers, pipeline, sources, validate

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
OBSERVED = datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)

HTML = '<script>alert("x")</script> Best <b>song</b> &amp; more'
EMOJI = "🔥🔥 Taylor Swift 🎤 live 👩‍👩‍👧"
ARABIC = "أغنية جديدة لعمرو دياب"
HEBREW = "\u202bשיר חדש של עומר אדם\u202c"
SQL = "Robert'); DROP TABLE acf.trends;-- \\ \"quoted\"\ttab\nnewline"
HUGE = "x" * 100_000


def _video(video_id, title, **stats):
    return {"kind": "youtube#video", "id": video_id,
            "snippet": {"title": title, "categoryId": "10", "publishedAt": "2026-11-23T20:00:00Z"},
            "statistics": {"viewCount": "1000", **stats}}


def _store(root, source, region, document):
    key = pipeline.raw_key(source, region, START)
    body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    storage.put_bytes(root, key, body)
    return {"source": source, "region": region, "raw_key": key, "interval_start": START.isoformat(),
            "observed_at": OBSERVED.isoformat(), "status": "ok"}


@pytest.fixture
def bad_run(pg_conn, object_root):
    youtube = {"kind": "youtube#videoListResponse", "items": [
        _video("html", HTML), _video("emoji", EMOJI), _video("arabic", ARABIC), _video("hebrew", HEBREW),
        _video("sql", SQL),
        _video("huge", HUGE),                                   # valid JSON, too long: validation quarantines
        _video("nul", "before\x00after"),                       # Postgres text cannot hold NUL: quarantined
        _video("badcount", "Views are words", viewCount="lots"),  # wrong type
        {"kind": "youtube#video", "id": "nosnippet"},            # missing field
        _video("notitle", None),                                 # missing title
        _video(12345, "id is a number"),                         # wrong type
        "just a string",                                         # not an object
    ]}
    reddit = {"kind": "Listing", "data": {"children": [
        {"kind": "t3", "data": {"id": "ok1", "title": "Fine post", "score": 10, "num_comments": 2,
                                "permalink": "/r/x/comments/ok1/", "subreddit": "x"}},
        {"kind": "t3", "data": {"id": "neg", "title": "Downvoted", "score": -5, "num_comments": 0}},
        {"kind": "t3", "data": {"id": "ratio", "title": "Bad ratio", "score": 1, "upvote_ratio": "high"}},
    ]}}
    payloads = [
        _store(object_root, "youtube", "US", youtube),
        _store(object_root, "reddit", "US", reddit),
        _store(object_root, "x", "US", b'{"data": [ {"trend_name": "cut off'),   # malformed body
        _store(object_root, "google_trends", "US", b"<html>Error 429</html>"),   # HTML instead of JSON
    ]
    summary = pipeline.process(pg_conn, object_root, payloads, interval_start=START)
    pg_conn.commit()
    return summary


def test_valid_oddities_are_stored_verbatim(bad_run, pg_conn):
    titles = {r["source_item_id"]: r["title"] for r in db.fetch_dicts(
        pg_conn, "SELECT source_item_id, title FROM acf.trend_observations")}
    assert titles["html"] == HTML
    assert titles["emoji"] == EMOJI
    assert titles["arabic"] == ARABIC
    assert titles["hebrew"] == HEBREW
    assert titles["sql"] == SQL
    assert titles["ok1"] == "Fine post" and titles["neg"] == "Downvoted"
    # the SQL-looking title did nothing to the schema
    assert db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trends")[0]["n"] > 0


def test_invalid_items_are_quarantined_with_reason_and_raw_key(bad_run, pg_conn):
    rows = db.fetch_dicts(pg_conn, "SELECT stage, source, reason, raw_key, payload FROM acf.quarantine")
    by_text = {}
    for row in rows:
        by_text.setdefault(row["source"], []).append(row)
    reasons = " | ".join(r["reason"] for r in rows)
    assert "longer than 5000 characters" in reasons
    assert "NUL" in reasons
    assert "statistics.viewCount is not a count" in reasons
    assert "snippet is missing" in reasons
    assert "snippet.title is missing" in reasons
    assert "id is missing or not text" in reasons
    assert "item is not an object" in reasons
    assert "upvote_ratio is not a number" in reasons
    assert "payload is not a x response" in reasons
    assert "payload is not a google_trends response" in reasons
    assert all(r["raw_key"] and r["raw_key"].startswith("raw/") for r in rows)
    huge = [r for r in rows if "longer than 5000" in r["reason"]][0]
    assert huge["stage"] == "trends.validate" and HUGE in huge["payload"]  # kept whole, not truncated
    malformed = [r for r in rows if r["source"] == "x"][0]
    assert malformed["payload"] == '{"data": [ {"trend_name": "cut off'


def test_nothing_is_lost(bad_run):
    # every item that reached the stage is either loaded or quarantined
    assert bad_run["loaded"] == 7  # html, emoji, arabic, hebrew, sql + two reddit posts
    assert bad_run["quarantined"] == 10
    assert bad_run["observations"] == bad_run["loaded"] + 2  # two parsed rows failed validation


def test_gx_and_vectorised_checks_agree():
    base = dict(source="youtube", region="US", term="t", title="t", url="https://a/b", category=None,
                metrics={}, observed_at=OBSERVED, language="en", source_item_id="id", raw_key="k",
                published_at=None, engagement=1.0)
    variants = [
        {}, {"source": "myspace"}, {"region": "usa"}, {"region": None}, {"term": ""}, {"term": "x" * 121},
        {"title": None}, {"title": "y" * 5001}, {"title": "a\x00b"}, {"url": "javascript:alert(1)"},
        {"url": None}, {"engagement": -1.0}, {"engagement": 1e14}, {"language": "english please"},
        {"language": "pt-BR"}, {"source_item_id": ""}, {"observed_at": None}, {"title": HTML}, {"title": ARABIC},
    ]
    table = pd.DataFrame([{**base, **v} for v in variants])
    normal = frames.normalise(table, START)
    gx = validate.validate(normal, mode="full")
    vec = validate.vector_reasons(validate._check_columns(normal))
    deferred, finish = validate.validate_deferred(normal)
    finish()
    assert list(deferred.fillna("")) == list(vec.fillna(""))
    assert list(gx.isna()) == list(vec.isna())
    assert list(gx.fillna("")) == list(vec.fillna(""))
    assert list(gx.isna()) == [True, False, False, False, False, False, False, False, False, False,
                               True, False, False, False, True, False, False, True, True]


def test_sample_mode_detects_drift(monkeypatch):
    table = pd.DataFrame([dict(source="youtube", region="usa", term="t", title="t", url=None, category=None,
                               metrics={}, observed_at=OBSERVED, language=None, source_item_id="i",
                               raw_key=None, published_at=None, engagement=1.0)])
    normal = frames.normalise(table, START)
    monkeypatch.setattr(validate, "vector_reasons", lambda f: pd.Series([None] * len(f), index=f.index, dtype=object))
    with pytest.raises(validate.ValidationDrift):
        validate.validate(normal, mode="sample")
    reasons, finish = validate.validate_deferred(normal)
    assert reasons.isna().all()
    with pytest.raises(validate.ValidationDrift):
        finish()


def test_parsers_never_raise_on_garbage():
    for source in sources.registered():
        for garbage in (b"", b"null", b"[]", b"{}", b"\xff\xfe", b'{"items": 5}', b"[1, 2, 3]",
                        json.dumps({"data": {"children": [None]}, "kind": "Listing"}).encode()):
            result = parsers.parse_payload(source, garbage, region="US", observed_at=OBSERVED)
            assert isinstance(result.observations, list)
            # an empty v1.1 trends list is a valid, empty answer; everything else is refused with a reason
            assert result.rejects or (source == "x" and garbage == b"[]"), (source, garbage)


def test_unstorable_text_is_quarantined_and_a_bad_answer_is_not_stored(pg_conn, object_root):
    youtube = {"kind": "youtube#videoListResponse", "items": [
        _video("surrogate", "bad \ud800 title"), _video("nul\x00id", "fine title"), _video("ok", "fine neighbour")]}
    payload = _store(object_root, "youtube", "GB", json.dumps(youtube).encode())
    summary = pipeline.process(pg_conn, object_root, [payload], interval_start=START)
    pg_conn.commit()
    assert summary["loaded"] == 1 and summary["quarantined"] == 2
    stored = db.fetch_dicts(pg_conn, "SELECT payload FROM acf.quarantine ORDER BY payload")
    assert any("\\ud800" in r["payload"] for r in stored)  # kept, escaped, not dropped

    days = parsers.parse_payload("google_trends", b'{"default": {"trendingSearchesDays": [null, "x"]}}',
                                 region="US", observed_at=OBSERVED)
    assert days.rejects[0].whole_payload and not days.observations

    truncated = pipeline.fetch_raw("reddit", "US", object_root, interval_start=START,
                                   fetcher=lambda region: b'{"kind": "Listing", "data": {"chil')
    assert truncated["status"] == "unavailable" and truncated["raw_key"] is None
    assert not storage.exists(object_root, pipeline.raw_key("reddit", "US", START))  # refetched next run


def test_an_x_answer_that_is_not_trends_is_rejected_whole():
    # a recent-search answer (tweets) where the trends were expected: not one trend in it
    search = {"data": [{"id": "1861000000000000001", "text": "hello", "edit_history_tweet_ids": ["1"]},
                       {"id": "1861000000000000002", "text": "world"}],
              "meta": {"newest_id": "1861000000000000002", "oldest_id": "1", "result_count": 2}}
    result = parsers.parse_payload("x", json.dumps(search), region="US", observed_at=OBSERVED)
    assert not result.observations and len(result.rejects) == 1
    assert result.rejects[0].whole_payload and "not an x trends answer" in result.rejects[0].reason
    # one unreadable trend among readable ones is still that item's reject, not the payload's
    mixed = {"data": [{"trend_name": "#ok", "tweet_count": 5}, {"id": "1", "text": "stray"}]}
    result = parsers.parse_payload("x", json.dumps(mixed), region="US", observed_at=OBSERVED)
    assert len(result.observations) == 1 and len(result.rejects) == 1 and not result.rejects[0].whole_payload
    v11 = [{"trends": [{"id": "1", "text": "stray"}], "as_of": "2026-11-24T00:00:00Z"}]
    assert parsers.parse_payload("x", json.dumps(v11), region="US", observed_at=OBSERVED).rejects[0].whole_payload


def test_youtube_payloads_of_several_answers_are_read_or_refused_whole():
    from acf.trends.sources import youtube

    chart = json.loads(offline.sample_payload("youtube", "US", OBSERVED))
    charts = {"kind": youtube.CHARTS_KIND, "regionCode": "US", "charts": {"10": chart}, "refused": {"17": "no"}}
    assert len(parsers.parse_payload("youtube", json.dumps(charts), region="US", observed_at=OBSERVED).observations) \
        == len(chart["items"])
    for broken in ({"kind": youtube.CHARTS_KIND, "charts": []}, {"kind": youtube.CHARTS_KIND, "charts": {"10": 5}},
                   {"kind": youtube.SEARCH_KIND, "searches": {"a": {"items": "x"}}, "videos": chart},
                   {"kind": youtube.SEARCH_KIND, "searches": [], "videos": chart}):
        result = parsers.parse_payload("youtube", json.dumps(broken), region="US", observed_at=OBSERVED)
        assert result.rejects[0].whole_payload and not result.observations, broken
    hit = {"kind": youtube.SEARCH_KIND, "searches": {"Taylor Swift new album": {"items": [
        {"id": {"kind": "youtube#video", "videoId": chart["items"][4]["id"]}}, {"id": {"videoId": "unknown"}}]}},
        "videos": chart}
    found = parsers.parse_payload("youtube", json.dumps(hit), region="US", observed_at=OBSERVED).observations
    assert [(o.term, o.metrics["found_for"]) for o in found] == [("Taylor Swift new album", "Taylor Swift new album")]
    assert found[0].source_item_id.startswith(chart["items"][4]["id"] + youtube.SEARCH_ID)
