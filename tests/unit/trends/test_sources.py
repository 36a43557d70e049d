"""Trend sources as extension points: the registry, a source from an installed package, and breadth
counting only the sources a run asked for."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from acf import db, extensions, storage
from acf.trends import fetch_plan, frame as frames, offline, parsers, pipeline, scoring, sources, validate
from extension_package import make_extension_package

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
BUILT_IN = {"youtube", "google_trends", "x", "reddit"}

# An installed package's trend source: short clips with a play count, its samples in its own folder.
FAKE_MODULE = '''
from pathlib import Path

from acf.trends import offline, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import read_count, read_iso_time, read_list, read_object, read_text


def items(document):
    if not isinstance(document, dict) or "clips" not in document:
        raise TypeError("expected an object with clips")
    return read_list(document["clips"], "clips")


def parse(item, region, observed_at):
    clip_id = read_text(read_object(item).get("id"), "id")
    caption = read_text(item.get("caption"), "caption")
    plays = read_count(item.get("plays"), "plays")
    return TrendObservation(
        source="fake", region=region, term=terms.term_from_title(caption, "fake"), title=caption,
        url=f"https://fake.example/clips/{clip_id}", category=None, metrics={"plays": plays},
        observed_at=observed_at, language=None, source_item_id=clip_id,
        published_at=read_iso_time(item.get("posted")), engagement=float(plays))


def shift_sample(document, delta):
    for clip in document["clips"]:
        clip["posted"] = offline.shift_iso(clip["posted"], delta)


TREND_SOURCES = [TrendSource(name="fake", items=items, parse=parse, shift_sample=shift_sample,
                             sample_dir=Path(__file__).with_name("fake_samples"), term_rule=terms.split_hashtag)]
'''
FAKE_SAMPLE = {"clips": [
    {"id": "c1", "caption": "#FakeDanceChallenge", "plays": 5000, "posted": "2026-01-01T10:00:00Z"},
    {"id": "c2", "caption": "Taylor Swift new album", "plays": "120", "posted": "2026-01-01T11:30:00Z"},
]}


@pytest.fixture
def fake_source(tmp_path, monkeypatch):
    path = make_extension_package(tmp_path, "fake_trends_ext", FAKE_MODULE,
                                  {"fake_samples/US.json": json.dumps(FAKE_SAMPLE)})
    monkeypatch.syspath_prepend(str(path))
    return sources.get("fake")


def test_built_in_sources_are_the_modules_of_the_package():
    assert set(sources.registered()) == BUILT_IN
    assert sources.names() == list(sources.registered())
    assert sources.get("reddit").has_feeds and not sources.get("x").has_feeds
    assert sources.get("youtube").category_kind == "category_id"
    assert sources.get("reddit").category_kind == "community"
    assert sources.get("x").signal is not None and sources.get("youtube").signal is None
    assert sources.get("google_trends").samples.joinpath("US.xml").is_file()


def test_an_unknown_source_is_named_with_the_registered_ones():
    with pytest.raises(sources.UnknownSource, match=r"'tiktok'.*registered: .*youtube"):
        sources.get("tiktok")
    with pytest.raises(sources.UnknownSource):
        fetch_plan.plan(["tiktok"], ["US"])
    rejected = parsers.parse_payload("tiktok", b"{}", region="US", observed_at=END)
    assert rejected.rejects[0].reason == "unknown source 'tiktok'" and rejected.rejects[0].whole_payload


def test_a_source_says_what_is_wrong_with_its_declaration():
    parse, items = sources.get("x").parse, sources.get("x").items
    with pytest.raises(ValueError, match="lowercase"):
        sources.TrendSource(name="Bad Name", items=items, parse=parse)
    with pytest.raises(ValueError, match="category_kind"):
        sources.TrendSource(name="ok", items=items, parse=parse, category_kind="subreddit")
    with pytest.raises(ValueError, match="sample_feed without feed_names"):
        sources.TrendSource(name="ok", items=items, parse=parse, sample_feed=lambda feed, at: b"")


def test_an_installed_package_adds_a_trend_source(fake_source, object_root):
    assert set(sources.registered()) == BUILT_IN | {"fake"}
    assert "fake" in sources.names() and fake_source.name == "fake"

    payload = json.dumps({"clips": [*FAKE_SAMPLE["clips"], {"id": "c3", "plays": 1}]})
    parsed = parsers.parse_payload("fake", payload, region="US", observed_at=END, raw_key="raw/fake/k.json")
    assert [(o.term, o.engagement, o.raw_key) for o in parsed.observations] == [
        ("Fake Dance Challenge", 5000.0, "raw/fake/k.json"), ("Taylor Swift new album", 120.0, "raw/fake/k.json")]
    assert [r.reason for r in parsed.rejects] == ["unreadable fake item: caption is missing or not text"]
    wrong_shape = parsers.parse_payload("fake", b'{"data": []}', region="US", observed_at=END)
    assert wrong_shape.rejects[0].whole_payload and "payload is not a fake response" in wrong_shape.rejects[0].reason

    # the sample replays from the package's own folder, its times moved to the replay time
    assert offline.sample_regions("fake") == ["US"]
    replayed = json.loads(offline.sample_payload("fake", "US", END))
    moved = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc) + (END - offline.SAMPLE_ANCHOR)
    assert replayed["clips"][0]["posted"] == moved.strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(offline.SampleMissing, match="fake/GB"):
        offline.sample_payload("fake", "GB", END)

    # fetched offline, the replayed sample is stored as is; validation knows the source
    fetched = pipeline.fetch_raw("fake", "US", object_root, interval_start=START, observed_at=END)
    assert fetched["status"] == "ok" and fetched["origin"] == "sample"
    assert storage.get_bytes(object_root, fetched["raw_key"]) == offline.sample_payload("fake", "US", END)
    table = frames.normalise(frames.observations_frame(parsed.observations), START)
    assert validate.vector_reasons(validate._check_columns(table)).isna().all()


def test_a_declaration_clash_is_an_extension_error(tmp_path, monkeypatch):
    clash = "from acf.trends.sources import x\nTREND_SOURCES = [x.SOURCE]\n"
    monkeypatch.syspath_prepend(str(make_extension_package(tmp_path, "clashing_trends_ext", clash)))
    with pytest.raises(extensions.ExtensionError, match="'x' is declared twice"):
        sources.registered()


def test_breadth_divides_by_the_sources_of_the_run():
    per_trend = pd.DataFrame({"engagement_sum": [1.0, 1.0], "engagement_pct": [1.0, 1.0], "source_count": [1, 3],
                              "region_count": [1, 1], "newest": [pd.Timestamp("2026-11-24T00:00Z")] * 2},
                             index=["one", "three"])
    out = scoring.score_trends(per_trend, previous_engagement=pd.Series(dtype="float64"), regions_in_batch=1,
                               sources_in_run=3, interval_end=pd.Timestamp("2026-11-24T06:00Z"))
    assert list(out["breadth"]) == [pytest.approx(1 / 3), 1.0]


def _scores(conn, root, payloads) -> dict[str, tuple[float, dict, list[str]]]:
    """Each trend's (score, components, sources) after processing ``payloads``; nothing stays loaded."""
    with conn.transaction(force_rollback=True):
        pipeline.process(conn, root, payloads, interval_start=START, interval_end=END)
        rows = db.fetch_dicts(conn, "SELECT trend_id, score, sources, score_components FROM acf.trends")
    return {r["trend_id"]: (r["score"], r["score_components"], r["sources"]) for r in rows}


def test_an_extra_registered_source_changes_no_score(pg_conn, object_root, tmp_path, monkeypatch):
    def rate_limited(region):
        raise pipeline.SourceUnavailable("429 Too Many Requests")

    payloads = [pipeline.fetch_raw(s, "US", object_root, interval_start=START, observed_at=END)
                for s in ("youtube", "google_trends", "reddit")]
    payloads.append(pipeline.fetch_raw("x", "US", object_root, interval_start=START, fetcher=rate_limited))
    assert payloads[-1]["status"] == "unavailable"

    before = _scores(pg_conn, object_root, payloads)
    path = make_extension_package(tmp_path, "fake_trends_ext", FAKE_MODULE,
                                  {"fake_samples/US.json": json.dumps(FAKE_SAMPLE)})
    monkeypatch.syspath_prepend(str(path))
    assert "fake" in sources.names()
    after = _scores(pg_conn, object_root, payloads)

    assert before and {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    # breadth: the sources carrying the trend / the four asked for (X counts though unavailable this run)
    for _, components, carrying in after.values():
        assert components["breadth"] == pytest.approx(len(carrying) / 4, abs=1e-6)
    assert max(len(carrying) for _, _, carrying in after.values()) >= 2

    # without X asked at all, every trend is broader: three sources in the run
    three = _scores(pg_conn, object_root, payloads[:3])
    assert three.keys() == before.keys()
    for trend_id, (score, components, carrying) in three.items():
        assert components["breadth"] == pytest.approx(len(carrying) / 3, abs=1e-6)
        assert score > before[trend_id][0]


def test_a_source_without_engagement_scores_none_and_says_so(pg_conn, object_root):
    chart = json.loads(offline.sample_payload("youtube", "US", END))
    for video in chart["items"]:
        video.pop("statistics", None)  # a chart answer without statistics: every view count 0
    payloads = [pipeline.fetch_raw("youtube", "US", object_root, interval_start=START, observed_at=END,
                                   fetcher=lambda region: json.dumps(chart).encode()),
                pipeline.fetch_raw("reddit", "US", object_root, interval_start=START, observed_at=END)]
    scores = _scores(pg_conn, object_root, payloads)
    silent = [c for _, c, carrying in scores.values() if carrying == ["youtube"]]
    ranked = [c for _, c, carrying in scores.values() if carrying == ["reddit"]]
    assert silent and ranked
    assert all(c["engagement"] == 0 and c["engagement_from"] == "no_engagement_signal" for c in silent)
    assert all(c["engagement_from"] == "source_rank" for c in ranked) and max(c["engagement"] for c in ranked) == 1
