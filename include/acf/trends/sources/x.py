"""X: a region's trends (v2 ``GET /2/trends/by/woeid/:woeid``, or v1.1 ``trends/place``).

Engagement is the trend's tweet count; the list often gives none, so recent-search counts of
the candidate terms are fetched beside it (:data:`acf.trends.signals.X_COUNTS`).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_plus

from acf.trends import signals, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import read_count, read_list, read_object, read_text

NAME = "x"


def items(document: Any) -> list:
    if isinstance(document, list):  # v1.1 trends/place: [{"trends": [...], "as_of": ...}]
        return _trends_only([trend for place in document for trend in read_list(place["trends"], "trends")])
    if not isinstance(document, dict):
        raise TypeError("expected an object with data")
    if "errors" in document and "data" not in document:
        raise ValueError(f"error response: {str(document['errors'])[:200]}")
    return _trends_only(read_list(document["data"], "data"))


def _trends_only(trends: list) -> list:
    """The list itself, unless not one item names a trend: then the body is another endpoint's answer
    (a recent search's tweets, say) and is refused whole, not stored as items that all fail."""
    if trends and not any(isinstance(t, dict) and ("trend_name" in t or "name" in t) for t in trends):
        first = trends[0]
        keys = sorted(first)[:6] if isinstance(first, dict) else type(first).__name__
        raise TypeError(f"not an x trends answer: no item has trend_name or name (first item: {keys})")
    return trends


def parse(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    name = read_text(read_object(item).get("trend_name", item.get("name")), "trend_name")
    volume = read_count(item.get("tweet_count", item.get("tweet_volume")), "tweet_count")
    return TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(name, NAME), title=name,
        url=f"https://x.com/search?q={quote_plus(name)}", category=None,
        metrics={"tweet_volume": volume}, observed_at=observed_at, language=None,
        source_item_id=name, published_at=None, engagement=float(volume),
    )


def sample_counts(names: list[str], at: datetime) -> bytes:
    """Recent-search counts for trend names, shaped like X's answers, stable per name and day."""
    day = at.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    document = {}
    for name in names:
        seed = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
        base = 2_000 + seed % 80_000
        buckets = []
        for back in range(7, 0, -1):  # rising towards today, as a trend does
            start = day - timedelta(days=back - 1)
            count = base * (8 - back) // 4 + (seed >> back) % 500
            buckets.append({"start": _stamp(start), "end": _stamp(start + timedelta(days=1)), "tweet_count": count})
        document[name] = {"data": buckets, "meta": {"total_tweet_count": sum(b["tweet_count"] for b in buckets)}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sample_search(query: str, at: datetime, *, max_results: int = 10) -> bytes:
    """``GET /2/tweets/search/recent`` with public_metrics and the authors expanded, as X answers it
    (``data``, ``includes.users``, ``meta``; shape as tweepy's recorded cassettes/test_client_search
    _recent_tweets.yaml, fields as docs.x.com's post object): the sample posts of the topic the query
    names, newest first, timestamps moved to ``at``."""
    from acf.trends import offline

    delta = at - offline.SAMPLE_ANCHOR
    posts = [p for p in offline.sample_extra(NAME, "posts")["posts"] if offline.query_matches(query, p["topic"])]
    posts = sorted(posts, key=lambda p: p["created_at"], reverse=True)[:max(10, min(100, max_results))]
    data = [{"id": p["id"], "text": p["text"], "author_id": p["author_id"], "lang": "en",
             "created_at": offline.shift_iso(p["created_at"].replace(".000Z", "Z"), delta).replace("Z", ".000Z"),
             "public_metrics": p["public_metrics"], "edit_history_tweet_ids": [p["id"]]} for p in posts]
    users = list({p["author_id"]: {"id": p["author_id"], "name": p["name"], "username": p["username"]}
                  for p in posts}.values())
    meta = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    answer = {"data": data, "includes": {"users": users}, "meta": meta} if data else {"meta": meta}
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


# The trends carry no time of their own: the sample needs no shifting.
SOURCE = TrendSource(name=NAME, items=items, parse=parse, signal=signals.X_COUNTS, sample_signal=sample_counts,
                     term_rule=terms.split_hashtag)
