"""The trend stage as functions the DAG calls: fetch raw payloads, then process them.

    payload = fetch_raw("youtube", "US", root, interval_start=start, fetcher=None)   # None: bundled sample
    summary = process(conn, root, [payload, ...], interval_start=start, interval_end=end)

``process`` parses every payload, normalises, validates (great-expectations),
quarantines what fails, groups observations into trends (exact and
near-duplicate), scores, categorises and loads with COPY, all in one
transaction. A payload already loaded for that interval is skipped, so a rerun
adds nothing. The functions return small dicts (keys and counts) fit for XCom.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from queue import SimpleQueue
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from acf import storage
from acf.trends import categories, dedupe, evidence, frame as frames, load, offline, parsers, scoring, sources, terms, validate
from acf.trends.models import NO_REGION
from acf.trends.retry import SourceUnavailable, redact

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = timedelta(hours=6)
STAGE_PARSE = "trends.parse"
STAGE_VALIDATE = "trends.validate"
def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def raw_key(source: str, region: str, interval_start: datetime, part: str = "all") -> str:
    start = _utc(interval_start)
    name = start.strftime("%Y%m%dT%H%M%SZ") + ("" if part == "all" else f"-{part}") + ".json"
    return storage.key("raw", source, start.strftime("%Y-%m-%d"), region, name)


def fetch_raw(
    source: str,
    region: str,
    root: Any,
    *,
    interval_start: datetime,
    fetcher: Callable[[str], bytes] | None = None,
    observed_at: datetime | None = None,
    feed: str | None = None,
    signals: Callable[[list[str], str], bytes] | None = None,
) -> dict:
    """Fetch one (source, region) payload and store it verbatim; never raises for a source failure.

    ``fetcher(region) -> bytes`` is the live hook's call; None replays the bundled
    sample. ``feed`` names a feed of a source that has them, listed instead of its regional
    list (a subreddit instead of r/popular; stored as part ``r-<feed>``). A payload already
    stored for this interval is reused (reruns refetch nothing).
    Sources with a candidate-term signal (X: recent-search counts; Google Trends: interest over
    seven days, see ``acf.trends.signals``) then fetch it for the
    payload's candidates through ``signals(names, region)`` (the source's sample answer when replaying);
    they are best effort: a failure is reported in ``signals_error`` and the payload still loads.
    Returns ``{source, region, part, interval_start, raw_key, signals_key, status, origin, bytes,
    observed_at, error, signals_error}``; status is ``ok``, ``reused`` or ``unavailable``.
    """
    interval_start = _utc(interval_start)
    observed_at = _utc(observed_at or datetime.now(timezone.utc))
    part = f"r-{feed}" if feed else "all"
    key = raw_key(source, region, interval_start, part)
    result = {
        "source": source, "region": region, "part": part, "interval_start": interval_start.isoformat(),
        "raw_key": None, "signals_key": None, "status": "ok", "origin": "sample" if fetcher is None else "live",
        "bytes": 0, "observed_at": observed_at.isoformat(), "error": None, "signals_error": None,
    }
    if storage.exists(root, key):
        payload = storage.get_bytes(root, key)
        result.update(raw_key=key, status="reused", bytes=len(payload))
    else:
        try:
            payload = fetcher(region) if fetcher else _sample(source, region, feed, observed_at)
            # A body that is not the API's shape at all (truncated, an HTML error page) is not stored:
            # stored, it would be reused by every rerun of the interval instead of being fetched again.
            check = parsers.parse_payload(source, payload, region=region, observed_at=observed_at)
            if any(reject.whole_payload for reject in check.rejects):
                raise SourceUnavailable(f"answer not stored: {check.rejects[0].reason}")
        except Exception as exc:  # noqa: BLE001 - any source failure degrades to "unavailable" for this run
            message = redact(f"{type(exc).__name__}: {exc}")[:500]
            log.warning("source %s/%s unavailable this run: %s", source, region, message)
            result.update(status="unavailable", error=message)
            return result
        stored = storage.put_bytes(root, key, payload)
        result.update(raw_key=key, bytes=stored.bytes)
    trend_source = sources.registered().get(source)
    if trend_source is not None and trend_source.signal is not None and not feed:
        _fetch_signals(result, payload, root, signals, interval_start, observed_at, trend_source)
    return result


def _fetch_signals(result: dict, payload: bytes, root: Any, call, interval_start: datetime,
                   observed_at: datetime, trend_source: sources.TrendSource) -> None:
    source, region = result["source"], result["region"]
    key = raw_key(source, region, interval_start, "signals")
    if storage.exists(root, key):
        result["signals_key"] = key
        return
    if call is None and trend_source.sample_signal is None:
        return  # replaying a source whose signal has no sample answer: nothing to ask
    signal = trend_source.signal
    names = signal.candidates(parsers.parse_payload(source, payload, region=region,
                                                    observed_at=observed_at).observations)
    if not names:
        return
    try:
        answer = call(names, region) if call else trend_source.sample_signal(names, observed_at)
        signal.read(answer)  # not the signal's shape: not stored, asked again next run
    except Exception as exc:  # noqa: BLE001 - signals enrich; their failure never costs the payload
        result["signals_error"] = redact(f"{type(exc).__name__}: {exc}")[:500]
        log.warning("signals of %s/%s not fetched this run: %s", source, region, result["signals_error"])
        return
    storage.put_bytes(root, key, answer)
    result["signals_key"] = key


def fetch_label(payload: dict) -> str:
    """``source/region``, or ``source/r/<feed>`` for a feed (``reddit/r/<subreddit>``)."""
    part = payload.get("part") or "all"
    return f"{payload['source']}/r/{part[2:]}" if part.startswith("r-") else f"{payload['source']}/{payload['region']}"


def _sample(source: str, region: str, feed: str | None, observed_at: datetime) -> bytes:
    if feed:
        return offline.sample_feed(source, feed, observed_at)
    return offline.sample_payload(source, region, observed_at)


def parse_stored(root: Any, payload: dict) -> tuple[list, list[dict]]:
    """Parse one stored payload, with its signals where it has them: (observations, quarantine rows)."""
    observed_at = datetime.fromisoformat(payload["observed_at"]) if payload.get("observed_at") else \
        datetime.fromisoformat(payload["interval_start"])
    raw = storage.get_bytes(root, payload["raw_key"])
    parsed = parsers.parse_payload(payload["source"], raw, region=payload["region"], observed_at=_utc(observed_at),
                                   raw_key=payload["raw_key"])
    rejects = [
        {"stage": STAGE_PARSE, "reason": r.reason, "payload": r.item, "source": r.source, "raw_key": r.raw_key}
        for r in parsed.rejects
    ]
    signals_key = payload.get("signals_key")
    trend_source = sources.registered().get(payload["source"])
    signal = trend_source.signal if trend_source else None
    if signals_key and signal:
        text = storage.get_bytes(root, signals_key).decode("utf-8", errors="replace")
        try:
            signal.apply(parsed.observations, signal.read(text))
        except (ValueError, TypeError, RecursionError) as exc:  # the trends keep their own figures
            rejects.append({"stage": STAGE_PARSE, "reason": f"signals unreadable: {str(exc)[:300]}",
                            "payload": text[:parsers.MAX_REJECT_TEXT], "source": payload["source"],
                            "raw_key": signals_key})
    return parsed.observations, rejects


def process(
    conn: psycopg.Connection,
    root: Any,
    payloads: Sequence[dict],
    *,
    interval_start: datetime,
    interval_end: datetime | None = None,
    run_id: str | None = None,
    validation: str = "full",
) -> dict:
    """Parse, normalise, validate, dedupe, score, categorise and load the stored payloads (one transaction).

    Breadth counts the sources asked for in this run, those unavailable this time included.
    """
    interval_start = _utc(interval_start)
    interval_end = _utc(interval_end) if interval_end else interval_start + DEFAULT_INTERVAL
    usable = [p for p in payloads if p and p.get("raw_key")]
    unavailable = sorted(fetch_label(p) for p in payloads if p and not p.get("raw_key"))
    sources_asked = len({p["source"] for p in payloads if p})
    with conn.transaction():
        claims = [dict(p, interval_start=interval_start, part=p.get("part") or "all") for p in usable]
        claimed = load.claim_payloads(conn, claims)
        observations: list = []
        rejects: list[dict] = []
        per_payload: dict[str, list[int]] = {}
        for payload in claimed:
            found, refused = parse_stored(root, payload)
            observations.extend(found)
            rejects.extend(refused)
            per_payload[payload["raw_key"]] = [len(found), len(refused)]
        table = frames.observations_frame(observations)
        summary = ingest_frame(conn, table, interval_start=interval_start, interval_end=interval_end,
                               run_id=run_id, validation=validation, parse_rejects=rejects,
                               sources_in_scope=sources_asked)
        quarantined_by_key: dict[str, int] = summary.pop("_quarantined_by_raw_key")
        loaded_by_key: dict[str, int] = summary.pop("_loaded_by_raw_key")
        for payload in claimed:
            load.record_counts(conn, payload, loaded_by_key.get(payload["raw_key"], 0),
                               quarantined_by_key.get(payload["raw_key"], 0))
    summary.update(
        payloads=len(usable), skipped_payloads=len(usable) - len(claimed), unavailable=unavailable,
        interval_start=interval_start.isoformat(),
    )
    return summary


def ingest_frame(
    conn: psycopg.Connection,
    table: pd.DataFrame,
    *,
    interval_start: datetime,
    interval_end: datetime,
    run_id: str | None = None,
    validation: str = "full",
    parse_rejects: Sequence[dict] = (),
    regions_in_scope: int | None = None,
    sources_in_scope: int | None = None,
    keep_frame: bool = False,
) -> dict:
    """normalise -> validate -> dedupe -> score -> categorise -> load one batch of observations.

    ``regions_in_scope`` and ``sources_in_scope`` are what regional spread and breadth divide by;
    None: the distinct regions (sources) of the batch's valid observations.
    The caller owns the transaction. Returns counts (plus two private per-raw-key maps).
    """
    quarantine_rows = list(parse_rejects)
    if table.empty:
        load.quarantine_rows(conn, quarantine_rows, run_id)
        return _summary(0, quarantine_rows, 0, 0, pd.DataFrame(), {}, {})
    normal = frames.normalise(table, interval_start)

    finish_validation = None
    if validation == "sample":  # GX cross-checks a sample in the background (started below), joined before returning
        reasons, finish_validation = validate.validate_deferred(normal, start=False)
    else:
        reasons = validate.validate(normal, mode=validation)
    failed = reasons.notna().to_numpy()
    rejected = np.flatnonzero(failed)

    def validation_rejects() -> list[dict]:  # built while the server loads the valid rows (off the critical path)
        return [{"stage": STAGE_VALIDATE, "reason": reason, "source": _text_or_none(source),
                 "raw_key": _text_or_none(raw_key), "payload": _row_payload(row)}
                for reason, source, raw_key, row in zip(
                    reasons.iloc[rejected].tolist(), normal["source"].iloc[rejected].tolist(),
                    normal["raw_key"].iloc[rejected].tolist(), frames.rows_at(table, rejected))]

    valid = normal.loc[~failed]
    duplicates = valid.duplicated("observation_key")
    valid = valid.loc[~duplicates.to_numpy()]

    # Dedupe: one trend per group of keys; reuse a trend id already in the database where one exists.
    key_counts = valid.groupby("term_key", sort=False).size()
    representative = dedupe.group_keys(list(key_counts.index), list(key_counts.to_numpy()))
    own_ids = {key: frames.trend_id_for(key) for key in key_counts.index}
    known = load.existing_trends(conn, list(own_ids.values()))
    known_count = dict(zip(known["trend_id"], known["observation_count"]))
    group_id: dict[str, str] = {}
    for key, rep in representative.items():
        candidate = own_ids[key]
        current = group_id.get(rep)
        if candidate in known_count and (current not in known_count or known_count[candidate] > known_count[current]):
            group_id[rep] = candidate
        elif current is None:
            group_id[rep] = frames.trend_id_for(rep)
    key_to_trend = {key: group_id[rep] for key, rep in representative.items()}
    valid = valid.assign(trend_id=valid["term_key"].map(key_to_trend),
                         rep_key=valid["term_key"].map(representative))

    # Read what scoring needs from the database first; the rest of the scoring runs while the server
    # parses and indexes the observations.
    previous = load.previous_engagement(conn, list(dict.fromkeys(key_to_trend.values())),
                                        valid["interval_start"].min())

    def score_while_loading() -> tuple:
        trends = _trend_rows(valid, previous, interval_start=interval_start, interval_end=interval_end,
                             regions_in_scope=regions_in_scope, sources_in_scope=sources_in_scope)
        region_stats = _region_stats(valid)
        # what the items of the best-scored trends say about them: read and screened here, stored after the trends
        best = trends.nlargest(evidence.MAX_TRENDS, "score")["trend_id"] if len(trends) > evidence.MAX_TRENDS \
            else trends["trend_id"]
        said = evidence.screen(evidence.collapse(evidence.from_observations(valid, trend_ids=best)))
        return trends, region_stats, load.region_stat_chunks(region_stats), validation_rejects(), said

    new_keys, (trends, region_stats, stat_chunks, rejects, (said, hostile)) = _copy_observations_while(
        conn, valid, score_while_loading)
    if finish_validation is not None:
        finish_validation.start()  # from here on this thread mostly waits on the server: GX runs beside it
    quarantine_rows.extend(rejects)
    if new_keys is not None:  # some rows were stored before: count and aggregate only the new ones
        valid = valid.loc[valid["observation_key"].isin(new_keys).to_numpy()]
        region_stats, stat_chunks = _region_stats(valid), None
    inserted = len(valid)
    added = valid.groupby("trend_id", sort=False).size()
    trends["observation_count"] = trends["trend_id"].map(added).fillna(0).astype("int64")
    load.upsert_trends(conn, trends)
    load.upsert_region_stats(conn, region_stats, stat_chunks)
    load.quarantine_rows(conn, quarantine_rows, run_id)
    seen_at = valid["observed_at"].max() if len(valid) else pd.Timestamp(interval_end)
    stored_evidence = evidence.upsert(conn, said, seen_at=seen_at.to_pydatetime())
    load.quarantine_rows(conn, hostile, run_id)

    quarantined_by_key: dict[str, int] = {}
    for row in quarantine_rows:
        if row.get("raw_key"):
            quarantined_by_key[row["raw_key"]] = quarantined_by_key.get(row["raw_key"], 0) + 1
    loaded_by_key = valid.groupby("raw_key", dropna=True).size().to_dict() if "raw_key" in valid else {}
    if finish_validation is not None:
        finish_validation()  # raises ValidationDrift (and so rolls the caller's transaction back) on disagreement
    summary = _summary(len(normal), quarantine_rows, inserted, int(duplicates.sum()), trends, quarantined_by_key,
                       loaded_by_key)
    summary.update(evidence=stored_evidence, evidence_quarantined=len(hostile),
                   evidence_flagged=sum(1 for item in said if item.flag))
    if keep_frame:  # the loaded rows, for the benchmark's COPY floor
        summary["_frame"] = valid
    return summary


_DONE, _ABORT = object(), object()


def _copy_observations_while(conn: psycopg.Connection, valid: pd.DataFrame, work: Callable[[], Any]):
    """COPY ``valid`` into trend_observations while ``work()`` runs; returns (new keys or None, its result).

    This thread renders the COPY text chunk by chunk and hands each chunk to a worker thread that
    streams it to the server, which parses and indexes it on the other core; then it runs ``work``.
    """
    chunks: SimpleQueue = SimpleQueue()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="acf-copy") as pool:
        copying = pool.submit(load.copy_observations, conn, _until_done(chunks))
        try:
            try:
                for chunk in load.observation_chunks(valid):
                    chunks.put(chunk)
                chunks.put(_DONE)
            except BaseException:
                chunks.put(_ABORT)  # the COPY must not end as if complete
                raise
            result = work()
        except BaseException:
            wait([copying])  # the connection is free again before the caller rolls back; this error wins
            raise
        return copying.result(), result  # re-raises a failed COPY here


def _until_done(chunks: SimpleQueue) -> Iterator[bytes]:
    while (chunk := chunks.get()) is not _DONE:
        if chunk is _ABORT:
            raise RuntimeError("rendering the observations failed; COPY abandoned")
        yield chunk


def _summary(parsed, quarantine_rows, inserted, duplicates, trends, quarantined_by_key, loaded_by_key) -> dict:
    top = trends.sort_values("score", ascending=False).head(5) if len(trends) else trends
    return {
        "observations": int(parsed),
        "quarantined": len(quarantine_rows),
        "loaded": int(inserted),
        "duplicate_items": int(duplicates),
        "trends": int(len(trends)),
        "top_trends": [{"trend_id": r.trend_id, "term": r.term[:80], "score": round(float(r.score), 4)}
                       for r in top.itertuples()] if len(top) else [],
        "evidence": 0, "evidence_quarantined": 0, "evidence_flagged": 0,
        "_quarantined_by_raw_key": quarantined_by_key,
        "_loaded_by_raw_key": {str(k): int(v) for k, v in loaded_by_key.items()},
    }


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _row_payload(row: pd.Series) -> dict:
    """The rejected observation as parsed (verbatim text), JSON-safe."""
    out = {}
    for name, value in row.items():
        if isinstance(value, (pd.Timestamp, datetime)):
            out[name] = value.isoformat()
        elif isinstance(value, float) and value != value:
            out[name] = None
        elif isinstance(value, (str, int, float, bool, dict, list)) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out


def _group_sets(frame: pd.DataFrame, keys: list[str], column: str) -> tuple[pd.Series, pd.Series]:
    """Per group of ``keys``: the distinct values of ``column`` as a text[] literal, and how many.

    Vectorised as bit masks (one bit per distinct value) instead of a Python call per group; a
    group's mask is the OR of its rows' bits, reduced in NumPy over the group numbers (grouping once,
    no de-duplication of the rows first).
    """
    codes, uniques = pd.factorize(frame[column])
    if len(uniques) > 62:  # more values than bits: the plain (slower) way
        grouped = frame.groupby(keys, sort=False)[column]
        return grouped.unique().map(load.pg_array), grouped.nunique()
    grouped = frame.groupby(keys, sort=False)
    group = grouped.ngroup().to_numpy()
    kept = group >= 0  # rows whose keys are missing belong to no group
    bits = np.left_shift(np.int64(1), codes.astype(np.int64))
    ors = np.zeros(grouped.ngroups, dtype=np.int64)
    np.bitwise_or.at(ors, group[kept].astype(np.intp), bits[kept])
    masks = pd.Series(ors, index=grouped.size().index, name="_bit")
    literal = {m: load.pg_array([uniques[i] for i in range(len(uniques)) if m >> i & 1]) for m in masks.unique().tolist()}
    return masks.map(literal), pd.Series(np.bitwise_count(masks.to_numpy().astype(np.uint64)).astype(np.int64),
                                         index=masks.index)


def _trend_rows(valid: pd.DataFrame, stored_previous: pd.Series, *, interval_start, interval_end,
                regions_in_scope, sources_in_scope) -> pd.DataFrame:
    """One row per trend: display term, aggregates, score components, category.

    ``stored_previous``: per trend, the engagement of its latest interval already in the database.
    """
    engagement_pct = scoring.engagement_percentiles(valid["source"], valid["engagement"])
    newest = valid["published_at"].fillna(valid["observed_at"])
    work = valid.assign(engagement_pct=engagement_pct, newest=newest)
    grouped = work.groupby("trend_id", sort=False)
    # Velocity compares a trend's latest interval with the one before it: within this batch when it
    # spans several intervals, else the latest earlier interval in the database.
    per_interval = (work.groupby(["trend_id", "interval_start"], sort=False)["engagement"].sum()
                    .reset_index().sort_values(["trend_id", "interval_start"]))
    latest = per_interval.groupby("trend_id", sort=False).tail(1).set_index("trend_id")["engagement"]
    earlier = per_interval.groupby("trend_id", sort=False).nth(-2).set_index("trend_id")["engagement"]
    sources, source_count = _group_sets(work, ["trend_id"], "source")
    located = work.loc[work["region"].to_numpy() != NO_REGION] if (work["region"].to_numpy() == NO_REGION).any() \
        else work  # subreddit posts have no region: they do not spread a trend
    regions, region_count = _group_sets(located, ["trend_id"], "region")
    per_trend = pd.DataFrame({
        "engagement_pct": grouped["engagement_pct"].max(),
        "newest": grouped["newest"].max(),
        "first_seen": grouped["observed_at"].min(),
        "last_seen": grouped["observed_at"].max(),
        "rep_key": grouped["rep_key"].first(),
    })
    per_trend["engagement_sum"] = latest.reindex(per_trend.index)
    per_trend["sources"] = sources.reindex(per_trend.index)
    per_trend["source_count"] = source_count.reindex(per_trend.index)
    per_trend["regions"] = regions.reindex(per_trend.index).fillna("{}")
    per_trend["region_count"] = region_count.reindex(per_trend.index).fillna(0).astype("int64")
    # Display term and title: the most engaging observation carrying the group's own key.
    own_key = work.loc[(work["term_key"] == work["rep_key"]).to_numpy(), ["trend_id", "engagement"]]
    best_rows = own_key.groupby("trend_id", sort=False)["engagement"].idxmax()
    best = work.loc[best_rows.to_numpy(), ["trend_id", "term", "title"]].set_index("trend_id")
    per_trend["term"] = best["term"].reindex(per_trend.index)
    per_trend["title"] = best["title"].reindex(per_trend.index).str.slice(0, 300)
    momentum = pd.to_numeric(work["momentum"], errors="coerce") if "momentum" in work else None
    if momentum is not None and momentum.notna().any():  # only observations with a source signal have one
        per_trend["momentum"] = momentum.groupby(work["trend_id"], sort=False).max()

    previous = earlier.combine_first(stored_previous)
    regions_total = regions_in_scope or int(located["region"].nunique())
    sources_total = sources_in_scope or int(work["source"].nunique())
    scored = scoring.score_trends(per_trend, previous_engagement=previous, regions_in_batch=regions_total,
                                  sources_in_run=sources_total, interval_end=pd.Timestamp(interval_end))
    majority_id, communities = _category_evidence(work)

    labels, ids, components = [], [], []
    weights = scoring.WEIGHTS
    stamp = pd.Timestamp(interval_start).isoformat()
    previous_map = previous.to_dict()
    momentum_map = scored["momentum"].dropna().to_dict() if "momentum" in scored else {}
    for trend_id, rep_key, velocity, engagement, breadth, spread, recency, now, n_sources, n_regions in zip(
            scored.index.tolist(), scored["rep_key"].tolist(), scored["velocity"].tolist(),
            scored["engagement"].tolist(), scored["breadth"].tolist(), scored["regional_spread"].tolist(),
            scored["recency"].tolist(), scored["engagement_sum"].tolist(), scored["source_count"].tolist(),
            scored["region_count"].tolist()):
        major = majority_id.get(trend_id)
        label, category_id, method = categories.categorise(
            [major] if major is not None else (), rep_key.split(), communities.get(trend_id, ()))
        labels.append(label)
        ids.append(category_id)
        before = previous_map.get(trend_id)
        momentum = momentum_map.get(trend_id)
        components.append(json.dumps({
            "velocity": round(velocity, 6), "engagement": round(engagement, 6), "breadth": round(breadth, 6),
            "regional_spread": round(spread, 6), "recency": round(recency, 6), "weights": weights,
            "engagement_from": "source_rank" if engagement > 0 else "no_engagement_signal",
            "engagement_latest": float(now), "previous_engagement": None if before is None else float(before),
            "velocity_from": "previous_interval" if before is not None else (
                "source_momentum" if momentum is not None else "new_trend"),
            "momentum": None if momentum is None else round(momentum, 6),
            "sources": int(n_sources), "regions": int(n_regions), "category_method": method,
            "interval_start": stamp,
        }, separators=(",", ":")))
    scored["category"] = labels
    scored["category_id"] = pd.array(ids, dtype="Int64")
    scored["score_components"] = components
    scored["observation_count"] = 0  # the rows actually new, once their COPY is done
    scored["term_key"] = scored["rep_key"]
    return scored.reset_index(names="trend_id")


def _category_evidence(work: pd.DataFrame) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Per trend: the majority category id of its observations from sources that give ids, and the
    community names (subreddits) of those from sources that give communities."""
    kinds = {name: source.category_kind for name, source in sources.registered().items()}
    kind = work["source"].map(kinds).to_numpy()
    has_category = work["category"].notna().to_numpy()
    with_ids = work.loc[(kind == "category_id") & has_category]
    majority_id = (with_ids.groupby(["trend_id", "category"], sort=False).size().reset_index(name="n")
                   .sort_values(["trend_id", "n"], ascending=[True, False]).drop_duplicates("trend_id")
                   .set_index("trend_id")["category"].to_dict())
    communities: dict[str, list[str]] = {}
    named = work.loc[(kind == "community") & has_category, ["trend_id", "category"]].drop_duplicates()
    for trend_id, community in zip(named["trend_id"].tolist(), named["category"].tolist()):
        communities.setdefault(trend_id, []).append(community)
    return majority_id, communities


def _region_stats(valid: pd.DataFrame) -> pd.DataFrame:
    keys = ["trend_id", "region", "interval_start"]
    grouped = valid.groupby(keys, sort=False)
    sources, _ = _group_sets(valid, keys, "source")
    stats = pd.DataFrame({"observations": grouped.size(), "engagement": grouped["engagement"].sum()})
    stats["sources"] = sources.reindex(stats.index)
    return stats.reset_index()


__all__ = ["SourceUnavailable", "fetch_raw", "process", "ingest_frame", "raw_key", "redact", "terms"]
