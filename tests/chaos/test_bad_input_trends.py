"""Bad input for every trend source's parser and normaliser: no crash, nothing lost.

Per source, hypothesis draws payloads shaped like the API's answer or not at all (missing fields,
wrong types, HTML, emoji, RTL, zero-width, 100 KB titles, SQL-looking text; 10,000 per source in
the full chaos run, 200 in ``make test``). Each must parse without raising, and every item must
come out either as an observation or as a reject with a reason (a payload that is not the API's
shape: exactly one reject holding it). The drawn payloads are then loaded, per source, through the
stage's own ``ingest_frame`` (normalise -> great-expectations -> dedupe -> COPY) into the real
PostgreSQL: items in == loaded + duplicates + quarantined, and the tables hold exactly that.
NUL characters and lone surrogates in ids and titles are quarantined, not fatal (tests below).
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings

from acf.trends import frame as frames
from acf.trends import parsers, pipeline
from chaos import hostile, registry

SOURCES = tuple(hostile.PAYLOADS)
OBSERVED = datetime(2026, 1, 2, 12, tzinfo=timezone.utc)
EXAMPLES = registry.scaled(10_000, 200)
# The payloads each source's property test drew, for the load test after it (one batch per source).
DRAWN: dict[str, list[tuple[bytes, int | None]]] = {source: [] for source in SOURCES}
MAX_KEPT = registry.scaled(3_000, 200)
CHAOS_SETTINGS = dict(deadline=None, database=None, derandomize=False,
                      suppress_health_check=list(HealthCheck))


def parse(source: str, raw: bytes, raw_key: str = "raw/chaos/payload.json"):
    try:
        return parsers.parse_payload(source, raw, region="US", observed_at=OBSERVED, raw_key=raw_key)
    except BaseException as exc:
        registry.record_once("crashes", f"parse_payload({source!r}) raised {type(exc).__name__}: {exc}"[:200])
        raise


def check_accounted(source: str, raw: bytes, expected: int | None, parsed) -> int:
    """Every item is an observation or a reject with a reason; returns the units the payload stands for."""
    units = len(parsed.observations) + len(parsed.rejects)
    whole = [r for r in parsed.rejects if r.reason.startswith("payload is not")]
    if expected is None or whole:
        ok = units == 1 and len(whole) == 1 and whole[0].item == raw.decode("utf-8", "replace")
        want = 1
    else:
        ok = units == expected
        want = expected
    if not ok:
        registry.record_once("lost", f"{source}: {units} units for {want} items in {raw[:120]!r}")
    assert ok, f"{source}: {units} observations+rejects for {want} items"
    for reject in parsed.rejects:
        assert reject.reason and reject.source == source and reject.raw_key
    for obs in parsed.observations:
        assert isinstance(obs.title, str) and obs.title.strip() and isinstance(obs.source_item_id, str)
    return want


@pytest.mark.parametrize("source", SOURCES)
def test_parser_accounts_for_every_item(source):
    @settings(max_examples=EXAMPLES, **CHAOS_SETTINGS)
    @given(hostile.PAYLOADS[source](kd=True))
    def run(drawn):
        raw, expected = drawn
        registry.record("bad_inputs")
        check_accounted(source, raw, expected, parse(source, raw))
        if len(DRAWN[source]) < MAX_KEPT:
            DRAWN[source].append(drawn)

    run()


def _ingest(conn, source, drawn, interval_start, run_id):
    observations, rejects, units = [], [], 0
    for n, (raw, expected) in enumerate(drawn):
        parsed = parse(source, raw, raw_key=f"raw/chaos/{source}/{n}.json")
        units += check_accounted(source, raw, expected, parsed)
        observations += parsed.observations
        rejects += [{"stage": pipeline.STAGE_PARSE, "reason": r.reason, "payload": r.item, "source": r.source,
                     "raw_key": r.raw_key} for r in parsed.rejects]
    with conn.transaction():
        summary = pipeline.ingest_frame(conn, frames.observations_frame(observations), interval_start=interval_start,
                                        interval_end=interval_start + timedelta(hours=6), run_id=run_id,
                                        parse_rejects=rejects)
    return units, summary


@pytest.mark.parametrize("source", SOURCES)
def test_load_loads_or_quarantines_every_item(source, pg_conn):
    drawn = DRAWN[source] or [hostile.PAYLOADS[source]().example() for _ in range(40)]
    interval_start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=6 * SOURCES.index(source))
    run_id = f"chaos-{uuid.uuid4().hex[:8]}"
    try:
        units, summary = _ingest(pg_conn, source, drawn, interval_start, run_id)
    except Exception as exc:
        registry.record("crashes", what=f"{source} load of {len(drawn)} payloads: {type(exc).__name__}: {exc}"[:300])
        raise
    accounted = summary["loaded"] + summary["duplicate_items"] + summary["quarantined"]
    loaded_rows = pg_conn.execute("SELECT count(*) FROM acf.trend_observations WHERE interval_start = %s",
                                  (interval_start,)).fetchone()[0]
    quarantined_rows = pg_conn.execute("SELECT count(*) FROM acf.quarantine WHERE run_id = %s AND reason <> ''",
                                       (run_id,)).fetchone()[0]
    if accounted != units or loaded_rows != summary["loaded"] or quarantined_rows != summary["quarantined"]:
        registry.record("lost", abs(units - loaded_rows - summary["duplicate_items"] - quarantined_rows) or 1,
                        what=f"{source}: {units} in, {loaded_rows} loaded, {quarantined_rows} quarantined")
    assert (accounted, loaded_rows, quarantined_rows) == (units, summary["loaded"], summary["quarantined"])


def test_google_trends_day_that_is_not_an_object_is_rejected():
    raw = b'{"default": {"trendingSearchesDays": [null, "x"]}}'
    registry.record("bad_inputs")
    parsed = parse("google_trends", raw)
    check_accounted("google_trends", raw, None, parsed)


# --- text PostgreSQL cannot store (NUL, lone surrogates): quarantined, never fatal ------------------------------------------------
def _youtube(video_id="vid1", title="ok title", category="10"):
    return json.dumps({"kind": "youtube#videoListResponse", "items": [
        {"id": video_id, "snippet": {"title": title, "categoryId": category}, "statistics": {"viewCount": "5"}},
        {"id": "fine1", "snippet": {"title": "a fine neighbour"}, "statistics": {"viewCount": "7"}}]}).encode()


DEFECT_CASES = {
    "nul_in_video_id": ("youtube", _youtube(video_id="ab\x00c")),
    "nul_in_category_id": ("youtube", _youtube(category="1\x000")),
    "nul_in_reddit_subreddit": ("reddit", json.dumps({"kind": "Listing", "data": {"children": [
        {"kind": "t3", "data": {"id": "p1", "title": "fine", "score": 3, "subreddit": "a\x00b"}}]}}).encode()),
    "lone_surrogate_in_title": ("youtube", _youtube(title="bad \ud800 title")),
    "lone_surrogate_in_rejected_item": ("x", json.dumps({"data": [{"trend_name": "#ok", "tweet_count": "\udfff"}]}
                                                        ).encode()),
}


@pytest.mark.parametrize("case", sorted(DEFECT_CASES))
def test_unstorable_text_is_quarantined_not_fatal(case, pg_conn):
    source, raw = DEFECT_CASES[case]
    registry.record("bad_inputs")
    interval_start = datetime(2026, 2, 1, tzinfo=timezone.utc) + timedelta(hours=6 * sorted(DEFECT_CASES).index(case))
    try:
        units, summary = _ingest(pg_conn, source, [(raw, None if source == "x" and False else _units(raw))],
                                 interval_start, "chaos-defect")
    except Exception as exc:
        registry.record("crashes", what=f"{case}: {type(exc).__name__}: {str(exc)[:120]}")
        raise
    assert summary["loaded"] + summary["duplicate_items"] + summary["quarantined"] == units


def _units(raw: bytes) -> int:
    doc = json.loads(raw)
    if "items" in doc:
        return len(doc["items"])
    if "data" in doc and isinstance(doc["data"], list):
        return len(doc["data"])
    return len(doc["data"]["children"])
