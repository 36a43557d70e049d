"""Google Trends: a region's daily trending searches (``dailytrends``, as pytrends receives it) or
realtime stories. Engagement is the day's traffic ("200K+"); interest over seven days for the top
searches is fetched beside the list (:data:`acf.trends.signals.GT_INTEREST`).
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus

from acf.trends import signals, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_list, read_object, read_text

NAME = "google_trends"
_TRAFFIC = re.compile(r"^\s*([\d.,]+)\s*([KMB]?)\+?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


def items(document: Any) -> list:
    if isinstance(document, dict) and "storySummaries" in document:  # realtime trends
        return read_list(document["storySummaries"]["trendingStories"], "trendingStories")
    days = read_list(document["default"]["trendingSearchesDays"], "trendingSearchesDays")
    for day in days:
        if not isinstance(day, dict):
            raise TypeError(f"a trendingSearchesDays entry is {type(day).__name__}, not an object")
    return [search for day in days for search in read_list(day.get("trendingSearches", []), "trendingSearches")]


def parse_traffic(value: Any) -> int:
    """Google's "200K+" / "1M+" / "5,000+" to a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _TRAFFIC.match(value) if isinstance(value, str) else None
    if not match:
        raise ItemError(f"formattedTraffic is not a traffic figure: {str(value)[:40]!r}")
    return int(float(match.group(1).replace(",", "")) * _SCALE[match.group(2).upper()])


def parse(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if "entityNames" in read_object(item):  # realtime story
        title = read_text(item.get("title"), "title")
        query = ", ".join(item["entityNames"][:3]) if isinstance(item.get("entityNames"), list) else title
        traffic = 0
    else:
        title_obj = item.get("title")
        query = read_text(title_obj.get("query") if isinstance(title_obj, dict) else None, "title.query")
        title = query
        traffic = parse_traffic(item.get("formattedTraffic", "0"))
    articles = item.get("articles") or []
    return TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(query, NAME), title=title,
        url=f"https://trends.google.com/trends/explore?q={quote_plus(query)}&geo={region}",
        category=None, metrics={"traffic": traffic, "articles": len(articles) if isinstance(articles, list) else 0},
        observed_at=observed_at, language=None, source_item_id=query, published_at=None,
        engagement=float(traffic),
    )


def shift_sample(document: dict, delta: timedelta) -> None:
    for day in document.get("default", {}).get("trendingSearchesDays", []):
        day["date"] = (datetime.strptime(day["date"], "%Y%m%d") + delta).strftime("%Y%m%d")


def sample_interest(queries: list[str], at: datetime) -> bytes:
    """Interest over the last seven days for up to five queries, shaped like the explore page's answer."""
    queries = queries[:signals.INTEREST_TERMS]
    hour = at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    seeds = [int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:4], "big") for t in queries]
    timeline = []
    for back in range(168, 0, -1):  # hourly, oldest first; the newest hour is still partial
        moment = hour - timedelta(hours=back - 1)
        values = [min(100, (seed % 40) + (168 - back) * (1 + seed % 3) // 6) for seed in seeds]
        point = {"time": str(int(moment.timestamp())), "formattedTime": moment.strftime("%b %d, %Y at %I:%M %p"),
                 "formattedAxisTime": moment.strftime("%b %d at %I:%M %p"), "value": values,
                 "hasData": [True] * len(queries), "formattedValue": [str(v) for v in values]}
        if back == 1:
            point["isPartial"] = True
        timeline.append(point)
    response = {"default": {"timelineData": timeline, "averages": []}}
    return json.dumps({"terms": queries, "timeframe": signals.INTEREST_TIMEFRAME, "response": response},
                      ensure_ascii=False).encode("utf-8")


SOURCE = TrendSource(name=NAME, items=items, parse=parse, shift_sample=shift_sample,
                     signal=signals.GT_INTEREST, sample_signal=sample_interest)
