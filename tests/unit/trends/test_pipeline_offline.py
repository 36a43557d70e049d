"""The offline trend path end to end on the bundled sample set, against the real PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from acf import db, storage
from acf.trends import offline, pipeline

START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
REGIONS = ("US", "GB", "JP")
SOURCES = ("youtube", "google_trends", "x", "reddit")


def _fetch_all(root, start=START):
    return [pipeline.fetch_raw(s, r, root, interval_start=start, observed_at=END) for s in SOURCES for r in REGIONS]


def test_sample_run_loads_trends_and_reruns_add_nothing(pg_conn, object_root):
    payloads = _fetch_all(object_root)
    assert all(p["status"] == "ok" and p["raw_key"] for p in payloads)
    assert payloads[0]["raw_key"] == "raw/youtube/2026-11-24/US/20261124T000000Z.json"
    # kept verbatim: the stored bytes are what the sample source produced
    assert storage.get_bytes(object_root, payloads[0]["raw_key"]) == offline.sample_payload("youtube", "US", END)

    summary = pipeline.process(pg_conn, object_root, payloads, interval_start=START, interval_end=END)
    pg_conn.commit()
    assert summary["payloads"] == 12 and summary["skipped_payloads"] == 0
    assert summary["loaded"] > 50
    assert summary["quarantined"] == 1  # the broken Reddit post in the US sample
    counts = db.fetch_dicts(pg_conn, "SELECT (SELECT count(*) FROM acf.trend_observations) AS obs,"
                                     " (SELECT count(*) FROM acf.trends) AS trends,"
                                     " (SELECT count(*) FROM acf.quarantine) AS q")[0]
    assert counts["obs"] == summary["loaded"]
    assert counts["trends"] == summary["trends"] < counts["obs"]
    assert counts["q"] == 1
    q = db.fetch_dicts(pg_conn, "SELECT * FROM acf.quarantine")[0]
    assert q["stage"] == "trends.parse" and q["source"] == "reddit"
    assert q["raw_key"] == "raw/reddit/2026-11-24/US/20261124T000000Z.json" and "title" in q["reason"]
    assert "zz0bad" in q["payload"]

    # cross-source grouping: the Taylor Swift album is one trend seen on several sources
    swift = db.fetch_dicts(pg_conn, "SELECT * FROM acf.trends WHERE term_key LIKE '%%swift%%'")
    assert len(swift) == 1, swift
    assert set(swift[0]["sources"]) >= {"youtube", "google_trends", "reddit"}
    assert swift[0]["category"] == "music" and swift[0]["category_id"] == 10
    assert 0 <= swift[0]["score"] <= 1
    assert set(swift[0]["score_components"]) >= {"velocity", "engagement", "breadth", "regional_spread", "recency"}
    # observation_count matches the rows
    mismatch = db.fetch_dicts(pg_conn, "SELECT t.trend_id FROM acf.trends t LEFT JOIN acf.trend_observations o"
                                       " USING (trend_id) GROUP BY t.trend_id, t.observation_count"
                                       " HAVING count(o.*) <> t.observation_count")
    assert mismatch == []

    # rerun of the same interval: payloads reused, nothing added
    again = _fetch_all(object_root)
    assert {p["status"] for p in again} == {"reused"}
    rerun = pipeline.process(pg_conn, object_root, again, interval_start=START, interval_end=END)
    pg_conn.commit()
    assert rerun["skipped_payloads"] == 12 and rerun["loaded"] == 0
    after = db.fetch_dicts(pg_conn, "SELECT (SELECT count(*) FROM acf.trend_observations) AS obs,"
                                    " (SELECT count(*) FROM acf.trends) AS trends,"
                                    " (SELECT count(*) FROM acf.quarantine) AS q")[0]
    assert after == counts

    # regional analysis is queryable
    reach = db.fetch_dicts(pg_conn, "SELECT * FROM acf.trend_reach WHERE trend_id = %s", (swift[0]["trend_id"],))
    assert reach[0]["reach"] == "global" and reach[0]["region_count"] == 3
    rising = db.fetch_dicts(pg_conn, "SELECT * FROM acf.trend_regional_momentum WHERE region = 'JP'")
    assert rising and all(r["rising"] for r in rising)


def test_next_interval_computes_velocity_and_keeps_trend_ids(pg_conn, object_root):
    first = pipeline.process(pg_conn, object_root, _fetch_all(object_root), interval_start=START, interval_end=END)
    pg_conn.commit()
    later = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
    second = pipeline.process(pg_conn, object_root, _fetch_all(object_root, later), interval_start=later)
    pg_conn.commit()
    assert second["loaded"] == first["loaded"]
    assert second["trends"] == first["trends"]
    total = db.fetch_dicts(pg_conn, "SELECT count(*) AS n FROM acf.trends")[0]["n"]
    assert total == first["trends"]  # the same topics map to the same trends
    comps = db.fetch_dicts(pg_conn, "SELECT score_components c FROM acf.trends")
    assert all(c["c"]["previous_engagement"] is not None for c in comps)


def test_unavailable_source_degrades_without_failing_others(pg_conn, object_root):
    def rate_limited(region):
        raise pipeline.SourceUnavailable("429 Too Many Requests https://x/y?key=SECRET123")

    broken = pipeline.fetch_raw("google_trends", "US", object_root, interval_start=START, fetcher=rate_limited)
    assert broken["status"] == "unavailable" and broken["raw_key"] is None
    assert "SECRET123" not in broken["error"] and "429" in broken["error"]
    good = pipeline.fetch_raw("youtube", "US", object_root, interval_start=START)
    summary = pipeline.process(pg_conn, object_root, [broken, good], interval_start=START)
    pg_conn.commit()
    assert summary["unavailable"] == ["google_trends/US"]
    assert summary["loaded"] == 8


def test_a_source_loaded_later_in_the_same_interval_adds_to_regional_stats(pg_conn, object_root):
    first = [pipeline.fetch_raw("youtube", "US", object_root, interval_start=START, observed_at=END)]
    pipeline.process(pg_conn, object_root, first, interval_start=START, interval_end=END)
    pg_conn.commit()
    before = db.fetch_dicts(pg_conn, "SELECT sum(observations) AS n FROM acf.trend_region_stats")[0]["n"]
    later = [pipeline.fetch_raw("google_trends", "US", object_root, interval_start=START, observed_at=END)]
    summary = pipeline.process(pg_conn, object_root, later, interval_start=START, interval_end=END)
    pg_conn.commit()
    after = db.fetch_dicts(pg_conn, "SELECT sum(observations) AS n FROM acf.trend_region_stats")[0]["n"]
    assert after == before + summary["loaded"]
    merged = db.fetch_dicts(pg_conn, "SELECT sources FROM acf.trend_region_stats WHERE cardinality(sources) = 2")
    assert merged and all(r["sources"] == ["google_trends", "youtube"] for r in merged)


def test_a_cleared_load_ledger_adds_no_rows_and_no_counts(pg_conn, object_root):
    """Someone empties acf.trend_loads by hand: the rerun's keys collide, so the load falls back to
    INSERT ... ON CONFLICT DO NOTHING and neither rows nor trend counts grow."""
    payloads = [pipeline.fetch_raw(s, "US", object_root, interval_start=START) for s in ("youtube", "reddit")]
    first = pipeline.process(pg_conn, object_root, payloads, interval_start=START)
    pg_conn.commit()
    pg_conn.execute("DELETE FROM acf.trend_loads")
    pg_conn.commit()
    again = pipeline.process(pg_conn, object_root, payloads, interval_start=START)
    pg_conn.commit()
    rows = pg_conn.execute("SELECT count(*) FROM acf.trend_observations").fetchone()[0]
    counted = pg_conn.execute("SELECT sum(observation_count) FROM acf.trends").fetchone()[0]
    assert first["loaded"] > 0 and again["loaded"] == 0
    regional = pg_conn.execute("SELECT sum(observations) FROM acf.trend_region_stats").fetchone()[0]
    assert rows == counted == regional == first["loaded"]


def test_a_failure_while_rendering_the_copy_loads_nothing(pg_conn, object_root, monkeypatch):
    """The COPY runs in a worker thread fed chunk by chunk: a failure on the feeding side must abandon
    it (not end it as if complete) and reach the caller, whose transaction then holds nothing."""
    from acf.trends import load

    def first_chunk_then_fail(observations):
        yield next(load.render_chunks(observations.head(2), load.OBSERVATION_COLUMNS))
        raise MemoryError("rendering failed")

    monkeypatch.setattr(load, "observation_chunks", first_chunk_then_fail)
    payloads = [pipeline.fetch_raw("youtube", "US", object_root, interval_start=START)]
    with pytest.raises(MemoryError):
        pipeline.process(pg_conn, object_root, payloads, interval_start=START)
    pg_conn.rollback()
    assert pg_conn.execute("SELECT count(*) FROM acf.trend_observations").fetchone()[0] == 0
    assert pg_conn.execute("SELECT count(*) FROM acf.trend_loads").fetchone()[0] == 0
