"""Discovery by search: the YouTube videos about each region's leading terms from the other sources.

    payload = discover(conn, root, "US", fetched, interval_start=start, calls=SearchCalls(...))

Since 2025-07-21 YouTube's mostPopular chart reflects only its Music, Movies and Gaming charts, so what
is rising elsewhere is found by search. After the run's fetches, a region's leading terms are read from
the other sources' stored payloads for that region (a term seen on more sources first, then the more
engaging), each is searched (``search.list`` type=video, order=viewCount, publishedAfter = the interval's
start, regionCode, relevanceLanguage), and ``videos.list`` gives the hits' statistics. Both answers are
the payload (``raw/youtube/<date>/<region>/<interval>-search.json``, part ``search``, see
:func:`acf.trends.sources.youtube.search_payload`), loaded with the run's other payloads by the same
parser: each hit is a sighting of the term it was found for, so its trend has the video as evidence.

``search.list`` has a bucket of its own (100 calls a day by default: developers.google.com/youtube/data
/determine_quota_cost). Each call is reserved first in ``acf.quota_spend`` through
:mod:`acf.publishing.quotas` (the upload quotas' mechanism: bucket ``search.list``, window ``day_pacific``,
reset at midnight Pacific) under the Connection's daily budget, so the budget is never exceeded; what is
left is logged. A ``quotaExceeded`` answer blocks the bucket until the reset. Replaying the bundled sample
spends nothing. Every failure costs only the discovery: the result says why.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg

from acf import storage
from acf.publishing import quotas
from acf.redaction import redact
from acf.trends import parsers, terms
from acf.trends.retry import QuotaExceeded

log = logging.getLogger(__name__)
SOURCE = "youtube"
PART = "search"
QUOTA_PLATFORM = "youtube_data"      # acf.quota_spend's platform for the Data API key's buckets
QUOTA_BUCKET = "search.list"
# relevanceLanguage for a region's searches (ISO 639-1); a region not listed searches without one.
REGION_LANGUAGES = {"US": "en", "GB": "en", "IN": "en", "AU": "en", "CA": "en", "BR": "pt", "PT": "pt", "DE": "de",
                    "AT": "de", "JP": "ja", "FR": "fr", "ES": "es", "MX": "es", "IT": "it", "KR": "ko", "NL": "nl"}

MIN_SEARCH_WINDOW = timedelta(hours=6)   # the default schedule's interval


@dataclass(frozen=True)
class Budget:
    """search.list calls a day (the Connection's ``search_budget``), counted per ``account``."""

    per_day: int = 100
    account: str = "acf_youtube"

    @property
    def rule(self) -> dict:
        return {"bucket": QUOTA_BUCKET, "window": "day_pacific", "limit": self.per_day, "cost": 1}


@dataclass(frozen=True)
class SearchCalls:
    """The live hook's calls; None replays the bundled sample (and spends no budget)."""

    search: Callable[..., bytes] | None = None    # (query, region, published_after RFC 3339, language, max_results)
    videos: Callable[[list[str]], bytes] | None = None
    budget: Budget | None = None
    terms: int = 3
    results: int = 10


def leading_terms(root: Any, fetched: Sequence[dict], region: str, n: int) -> list[str]:
    """The region's ``n`` leading terms on the sources other than YouTube: a term seen on more of them
    first, then the one ranked higher within its own source."""
    from acf.trends.pipeline import parse_stored

    seen: dict[str, dict] = {}
    for payload in fetched:
        if not payload or not payload.get("raw_key") or payload.get("region") != region \
                or payload.get("source") == SOURCE or (payload.get("part") or "all") != "all":
            continue
        observations, _ = parse_stored(root, payload)
        ranked = sorted(observations, key=lambda o: -o.engagement)
        for position, obs in enumerate(ranked):
            key = terms.term_key(obs.term)
            if not key:
                continue
            standing = 1 - position / max(1, len(ranked))
            entry = seen.setdefault(key, {"term": obs.term, "sources": set(), "best": 0.0})
            entry["sources"].add(obs.source)
            if obs.source == "google_trends":
                entry["term"] = obs.term          # the words people searched for
            entry["best"] = max(entry["best"], standing)
    order = sorted(seen.values(), key=lambda e: (-len(e["sources"]), -e["best"], e["term"]))
    return [e["term"] for e in order[:max(0, n)]]


def remaining(conn: psycopg.Connection, budget: Budget, now: datetime | None = None) -> int:
    now = now or datetime.now(timezone.utc)
    return budget.per_day - quotas.spent(conn, QUOTA_PLATFORM, budget.account, budget.rule, now)


def _reserve(conn: psycopg.Connection, budget: Budget, now: datetime) -> quotas.QuotaDecision:
    with conn.transaction():   # committed at once: the other regions' tasks count it too
        return quotas.reserve(conn, QUOTA_PLATFORM, budget.account, now=now, quota_rules=[budget.rule])


def discover(conn: psycopg.Connection, root: Any, region: str, fetched: Sequence[dict], *, interval_start: datetime,
             calls: SearchCalls | None = None, observed_at: datetime | None = None) -> dict:
    """Search the region's leading terms, fetch the hits' statistics and store them as a YouTube payload.

    Returns the payload in the shape :func:`acf.trends.pipeline.fetch_raw` returns (``raw_key`` None when
    nothing was found or stored), plus ``terms``, ``searches``, ``budget_left`` and ``error``. Never raises
    for a source failure.
    """
    from acf.trends.pipeline import _utc, raw_key
    from acf.trends.sources import youtube

    calls = calls or SearchCalls()
    interval_start = _utc(interval_start)
    observed_at = _utc(observed_at or datetime.now(timezone.utc))
    key = raw_key(SOURCE, region, interval_start, PART)
    result = {"source": SOURCE, "region": region, "part": PART, "interval_start": interval_start.isoformat(),
              "raw_key": None, "signals_key": None, "status": "ok", "origin": "sample" if calls.search is None else "live",
              "bytes": 0, "observed_at": observed_at.isoformat(), "error": None, "signals_error": None,
              "terms": [], "searches": 0, "videos": 0, "budget_left": None}
    if storage.exists(root, key):
        result.update(raw_key=key, status="reused", bytes=len(storage.get_bytes(root, key)))
        return result
    try:
        found = leading_terms(root, fetched, region, calls.terms)
    except Exception as exc:  # noqa: BLE001 - discovery is best effort
        result.update(status="unavailable", error=redact(f"{type(exc).__name__}: {exc}")[:500])
        return result
    result["terms"] = found
    # At least MIN_SEARCH_WINDOW back from now: a run early in its slot (a manual run at 12:05 in the
    # 12:00-18:00 slot) would otherwise search five minutes and find nothing.
    search_from = min(interval_start, observed_at - MIN_SEARCH_WINDOW)
    after = search_from.strftime("%Y-%m-%dT%H:%M:%SZ")
    language = REGION_LANGUAGES.get(region.upper())
    answers: dict[str, Any] = {}
    for term in found:
        if calls.budget is not None:
            decision = _reserve(conn, calls.budget, observed_at)
            if not decision.granted:
                result["error"] = f"search budget spent: {decision.reason}"
                break
        try:
            if calls.search is None:
                answer = youtube.sample_search(term, region, search_from, observed_at, max_results=calls.results)
            else:
                answer = calls.search(term, region, after, language, calls.results)
            answers[term] = json.loads(answer)
            result["searches"] += 1
        except QuotaExceeded as exc:
            until = quotas.next_pacific_midnight(observed_at)
            with conn.transaction():
                quotas.block(conn, QUOTA_PLATFORM, calls.budget.account if calls.budget else "sample", QUOTA_BUCKET,
                             until, redact(str(exc)))
            result["error"] = redact(f"search.list quota exceeded, blocked until {until.isoformat()}: {exc}")[:500]
            break
        except Exception as exc:  # noqa: BLE001 - one failed search costs only its own hits
            result["error"] = redact(f"search {term!r}: {type(exc).__name__}: {exc}")[:500]
    if calls.budget is not None:
        result["budget_left"] = remaining(conn, calls.budget, observed_at)
        log.info("youtube search.list %s: %d searches, budget %d of %d a day left (resets %s)", region,
                 result["searches"], result["budget_left"], calls.budget.per_day,
                 quotas.next_pacific_midnight(observed_at).isoformat())
    ids = list(dict.fromkeys(
        item["id"]["videoId"] for answer in answers.values() for item in answer.get("items") or []
        if isinstance(item, dict) and isinstance(item.get("id"), dict) and isinstance(item["id"].get("videoId"), str)))
    if not ids:
        result["status"] = "nothing_found" if result["error"] is None else "unavailable"
        return result
    try:
        videos = youtube.sample_videos(ids, observed_at) if calls.videos is None else calls.videos(ids)
        payload = youtube.search_payload(region, after, answers, videos)
        check = parsers.parse_payload(SOURCE, payload, region=region, observed_at=observed_at)
        if any(reject.whole_payload for reject in check.rejects):
            raise ValueError(f"answer not stored: {check.rejects[0].reason}")
    except Exception as exc:  # noqa: BLE001
        result.update(status="unavailable", error=redact(f"videos.list: {type(exc).__name__}: {exc}")[:500])
        return result
    stored = storage.put_bytes(root, key, payload)
    result.update(raw_key=key, bytes=stored.bytes, videos=len(check.observations))
    log.info("youtube discovery %s: %d terms, %d videos found", region, len(found), len(check.observations))
    return result
