"""Candidate-term signals fetched beside a source's trending list, and how they enrich its observations.

**X.** Its trends list often gives no tweet count for a trend, so the fetch asks X's
recent-search counts (``GET /2/tweets/counts/recent``, buckets of the hook's
``granularity`` over seven days: minute, hour (the API's default) or day) for the
list's candidate terms: those without a count first, then the loudest. The answers
are stored beside the trends payload as one document, ``{query: response as
received}``, and read back at parse time. The window's edge buckets are partial (the
first starts mid-period seven days back, the newest ends at the request time), so
only *full* buckets (as long as the granularity, which is the longest bucket's
length rounded up to minute, hour or day) are compared:

- ``metrics.recent_count_7d``: the response's ``meta.total_tweet_count``;
- ``metrics.recent_count_24h``: the full buckets of the last 24 hours before the
  newest full one's end (all buckets' sum when none is full);
- a trend whose list gave no count takes ``recent_count_24h`` as its engagement
  (``metrics.volume_from = "recent_counts"``), so it is ranked instead of
  scoring as silent;
- ``momentum``: the newest full bucket against the mean of the full ones before it,
  which scoring uses as the velocity of a trend it has not seen before.

**Google Trends.** Its daily list gives a day's traffic; interest over the last
seven days (the explore page's TIMESERIES widget, ``widgetdata/multiline``, 0-100
relative to the terms' peak) is asked for the five highest-traffic searches
(pytrends' limit per request), stored as ``{"terms", "timeframe", "response"}``:

- ``metrics.interest_now``: the newest complete point;
- ``metrics.interest_mean_7d``: the mean over the window;
- ``momentum``: now against that mean (velocity of a trend not seen before).

Both also keep a week's curve for the research brief (``metrics.series``: up to seven daily
``[date, value]`` points, X's post counts per day or Google's mean interest per day), which
scenes draw as a chart.

A signals document that cannot be read is a reject with its reason; the trends
keep their own figures. A source names its signal in its :class:`acf.trends.sources.TrendSource`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from acf.trends.models import TrendObservation

MAX_QUERY_CHARS = 512   # X's limit for a recent-search query
DEFAULT_TERMS = 10      # counts requests per region and run (each is one request of the app's quota)
INTEREST_TERMS = 5      # terms per interest-over-time request (pytrends' and the explore page's limit)
INTEREST_TIMEFRAME = "now 7-d"
# X's counts granularities, by length; a bucket shorter than its granularity is a partial edge.
X_GRANULARITIES = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
SERIES_DAYS = 7


class Reading(tuple):
    """A signal's figures for one term (a plain tuple to unpack), with its daily curve as ``series``."""

    series: list

    def __new__(cls, values, series=None):
        reading = super().__new__(cls, values)
        reading.series = list(series or [])
        return reading


def _daily(points: list[tuple[datetime, float]], total: bool) -> list[list]:
    """``[[YYYY-MM-DD, value], ...]``: the points summed (or averaged) per UTC day, the last ``SERIES_DAYS`` days."""
    days: dict[str, list[float]] = {}
    for moment, value in points:
        days.setdefault(moment.strftime("%Y-%m-%d"), []).append(value)
    series = [[day, int(sum(v)) if total else round(sum(v) / len(v))] for day, v in sorted(days.items())]
    return series[-SERIES_DAYS:]


def x_query(name: str) -> str | None:
    """The recent-search query for a trend name: the name as one phrase; None if X would refuse it."""
    text = " ".join(name.replace('"', " ").split())
    if not text:
        return None
    query = text if text.startswith(("#", "$", "@")) and " " not in text else f'"{text}"'
    return query if len(query) <= MAX_QUERY_CHARS else None


def x_candidates(observations: Sequence[TrendObservation], limit: int = DEFAULT_TERMS) -> list[str]:
    """Which trend names to count: those the list gave no volume first, then by volume; no repeats."""
    ranked = sorted(observations, key=lambda o: (o.metrics.get("tweet_volume", 0) > 0, -o.engagement))
    names: list[str] = []
    for obs in ranked:
        if len(names) >= limit:
            break
        if obs.title not in names and x_query(obs.title) is not None:
            names.append(obs.title)
    return names


def read_x_counts(payload: bytes | str) -> dict[str, tuple[int, int, int | None, float | None]]:
    """``{trend name: (count over 7 days, count over the last 24 full hours, newest full bucket's count,
    mean count of the full buckets before it)}`` from a stored signals document (the last two are None
    without a full bucket, the mean with a single one).

    Raises ValueError with the reason when the document is not the counts shape.
    """
    document = json.loads(payload)
    if not isinstance(document, dict):
        raise ValueError("x signals are not an object of query -> counts response")
    counts: dict[str, tuple[int, int, int | None, float | None]] = {}
    for name, response in document.items():
        counts[name] = _x_totals(name, response)
    return counts


def _x_totals(name: str, response: Any) -> tuple[int, int, int | None, float | None]:
    from acf.trends.sources.fields import read_iso_time  # the sources package imports this module
    if not isinstance(response, dict) or not isinstance(response.get("data"), list):
        raise ValueError(f"counts for {name[:60]!r} have no data list")
    buckets = [b for b in response["data"] if isinstance(b, dict)]
    spans: list[tuple[datetime, datetime, int]] = []
    for bucket in buckets:
        count = bucket.get("tweet_count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"counts for {name[:60]!r}: tweet_count is not a count: {str(count)[:40]!r}")
        start, end = read_iso_time(bucket.get("start")), read_iso_time(bucket.get("end"))
        if start is None or end is None or end <= start:
            raise ValueError(f"counts for {name[:60]!r}: a bucket has no start and end: "
                             f"{str(bucket.get('start'))[:30]!r}..{str(bucket.get('end'))[:30]!r}")
        spans.append((start, end, count))
    spans.sort(key=lambda span: span[1])
    meta = response.get("meta") if isinstance(response.get("meta"), dict) else {}
    total = meta.get("total_tweet_count")
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        total = sum(count for _, _, count in spans)
    if not spans:
        return Reading((total, 0, None, None))
    longest = max(end - start for start, end, _ in spans)
    period = next((length for length in X_GRANULARITIES.values() if longest <= length), None)
    if period is None:
        raise ValueError(f"counts for {name[:60]!r}: a bucket is longer than a day ({longest})")
    # A partial edge counts fewer posts because it covers less time, not because the trend slowed.
    full = [(end, count) for start, end, count in spans if end - start >= period]
    series = _daily([(start, count) for start, end, count in spans if end - start >= period], total=True)
    if not full:
        return Reading((total, sum(count for _, _, count in spans), None, None), series)
    newest_end, newest = full[-1]
    day = sum(count for end, count in full if end > newest_end - timedelta(days=1))
    before = [count for _, count in full[:-1]]
    return Reading((total, day, newest, (sum(before) / len(before) if before else None)), series)


def growth(now: float, baseline: float) -> float:
    """The momentum of ``now`` against ``baseline``: ln(1 + now) - ln(1 + baseline)."""
    return math.log1p(max(now, 0.0)) - math.log1p(max(baseline, 0.0))


def apply_x_counts(observations: Sequence[TrendObservation],
                   counts: dict[str, tuple[int, int, int | None, float | None]]) -> int:
    """Add the counts to the X observations they name; returns how many were enriched."""
    enriched = 0
    for obs in observations:
        if obs.title not in counts:
            continue
        week, day, newest, before = counts[obs.title]
        obs.metrics["recent_count_7d"] = week
        obs.metrics["recent_count_24h"] = day
        if len(getattr(counts[obs.title], "series", [])) >= 3:
            obs.metrics["series"] = counts[obs.title].series
        if newest is not None and before is not None:  # one full period against the full ones before it
            obs.momentum = growth(newest, before)
        if not obs.metrics.get("tweet_volume"):
            obs.metrics["volume_from"] = "recent_counts"
            obs.engagement = float(day)
        enriched += 1
    return enriched


def gt_candidates(observations: Sequence[TrendObservation], limit: int = INTEREST_TERMS) -> list[str]:
    """The highest-traffic searches of the list, no repeats."""
    names: list[str] = []
    for obs in sorted(observations, key=lambda o: -o.engagement):
        if len(names) >= limit:
            break
        if obs.title.strip() and obs.title not in names:
            names.append(obs.title)
    return names


def read_gt_interest(payload: bytes | str) -> dict[str, tuple[int, float]]:
    """``{term: (newest complete value, mean)}`` from a stored interest document; ValueError says why not."""
    document = json.loads(payload)
    if not isinstance(document, dict) or not isinstance(document.get("terms"), list):
        raise ValueError("interest document has no terms list")
    try:
        timeline = document["response"]["default"]["timelineData"]
    except (KeyError, TypeError):
        raise ValueError("interest response has no default.timelineData") from None
    if not isinstance(timeline, list):
        raise ValueError("timelineData is not a list")
    terms = document["terms"]
    series: list[list[int]] = [[] for _ in terms]
    moments: list[datetime | None] = []
    complete: list[list[int]] = [[] for _ in terms]
    for point in timeline:
        values = point.get("value") if isinstance(point, dict) else None
        if not isinstance(values, list) or len(values) != len(terms):
            raise ValueError(f"a timeline point has {len(values) if isinstance(values, list) else 'no'} values"
                             f" for {len(terms)} terms")
        stamp = point.get("time")
        moments.append(datetime.fromtimestamp(int(stamp), tz=timezone.utc)
                       if isinstance(stamp, str) and stamp.isdigit() else None)
        for index, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise ValueError(f"interest is not 0-100: {str(value)[:40]!r}")
            series[index].append(value)
            if not point.get("isPartial"):
                complete[index].append(value)
    return {term: Reading(((complete[i] or series[i] or [0])[-1], sum(series[i]) / len(series[i]) if series[i] else 0.0),
                          _daily([(m, v) for m, v in zip(moments, series[i]) if m is not None], total=False))
            for i, term in enumerate(terms) if isinstance(term, str)}


def apply_gt_interest(observations: Sequence[TrendObservation], interest: dict[str, tuple[int, float]]) -> int:
    enriched = 0
    for obs in observations:
        if obs.title in interest:
            now, mean = interest[obs.title]
            obs.metrics["interest_now"] = now
            obs.metrics["interest_mean_7d"] = round(mean, 2)
            if len(getattr(interest[obs.title], "series", [])) >= 3:
                obs.metrics["series"] = interest[obs.title].series
            obs.momentum = growth(now, mean)
            enriched += 1
    return enriched


@dataclass(frozen=True)
class Signal:
    """A source's candidate-term signal: which names to ask about, how to read and apply the answer."""

    candidates: Callable[[Sequence[TrendObservation]], list[str]]
    read: Callable[[bytes | str], dict]
    apply: Callable[[Sequence[TrendObservation], dict], int]


X_COUNTS = Signal(x_candidates, read_x_counts, apply_x_counts)
GT_INTEREST = Signal(gt_candidates, read_gt_interest, apply_gt_interest)
