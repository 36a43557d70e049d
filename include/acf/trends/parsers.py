"""Raw payloads, exactly as each API sends them, to TrendObservations.

One parser per source; the live hooks and the bundled sample set both go
through these, so the offline default exercises the real parsing. A parser
never raises on bad data: an item it cannot read becomes a :class:`Reject`
with the reason, and a payload that is not the API's shape at all becomes one
Reject holding the payload text.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from acf.trends.models import ParsedPayload, Reject, TrendObservation
from acf.trends.terms import term_from_title

MAX_REJECT_TEXT = 1_000_000  # the full payload stays in the object store under raw_key


class ItemError(ValueError):
    """One item cannot be read; the message is the quarantine reason."""


def parse_payload(
    source: str,
    payload: bytes | str,
    *,
    region: str,
    observed_at: datetime,
    raw_key: str | None = None,
) -> ParsedPayload:
    """Parse one raw payload of ``source`` for ``region`` observed at ``observed_at``."""
    parser = PARSERS.get(source)
    result = ParsedPayload()
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    if parser is None:
        result.rejects.append(Reject(source, region, f"unknown source {source!r}", text[:MAX_REJECT_TEXT], raw_key,
                                     whole_payload=True))
        return result
    try:
        document = json.loads(_strip_xssi(text))
        items = ITEMS[source](document)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        reason = f"payload is not a {source} response: {type(exc).__name__}: {str(exc)[:200]}"
        result.rejects.append(Reject(source, region, reason, text[:MAX_REJECT_TEXT], raw_key, whole_payload=True))
        return result
    for item in items:
        try:
            obs = parser(item, region, observed_at)
        except (ItemError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            result.rejects.append(Reject(source, region, f"unreadable {source} item: {exc}", item, raw_key))
            continue
        obs.raw_key = raw_key
        result.observations.append(obs)
    return result


def _strip_xssi(text: str) -> str:
    # Google prefixes JSON with ")]}'," against XSSI; pytrends trims it, we accept both.
    stripped = text.lstrip()
    if stripped.startswith(")]}'"):
        stripped = stripped[4:].lstrip(",\n\r ")
    return stripped


# --- locating the item list in each response --------------------------------------------------
def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise TypeError(f"{what} is {type(value).__name__}, not a list")
    return value


def _youtube_items(doc: Any) -> list:
    if not isinstance(doc, dict) or doc.get("kind") not in (None, "youtube#videoListResponse"):
        raise TypeError("expected a youtube#videoListResponse object")
    return _list(doc["items"], "items")


def _google_trends_items(doc: Any) -> list:
    if isinstance(doc, dict) and "storySummaries" in doc:  # realtime trends
        return _list(doc["storySummaries"]["trendingStories"], "trendingStories")
    days = _list(doc["default"]["trendingSearchesDays"], "trendingSearchesDays")
    for day in days:
        if not isinstance(day, dict):
            raise TypeError(f"a trendingSearchesDays entry is {type(day).__name__}, not an object")
    return [search for day in days for search in _list(day.get("trendingSearches", []), "trendingSearches")]


def _x_items(doc: Any) -> list:
    if isinstance(doc, list):  # v1.1 trends/place: [{"trends": [...], "as_of": ...}]
        return [trend for place in doc for trend in _list(place["trends"], "trends")]
    if not isinstance(doc, dict):
        raise TypeError("expected an object with data")
    if "errors" in doc and "data" not in doc:
        raise ValueError(f"error response: {str(doc['errors'])[:200]}")
    return _list(doc["data"], "data")


def _reddit_items(doc: Any) -> list:
    if not isinstance(doc, dict) or doc.get("kind") != "Listing":
        raise TypeError("expected a Listing")
    return _list(doc["data"]["children"], "children")


# --- field readers ------------------------------------------------------------------------------
def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ItemError(f"{what} is missing or not text")
    return value


def _count(value: Any, what: str, *, required: bool = False) -> int:
    """A non-negative count; APIs send numbers or digit strings ("12345")."""
    if value is None:
        if required:
            raise ItemError(f"{what} is missing")
        return 0
    if isinstance(value, bool):
        raise ItemError(f"{what} is a boolean, not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ItemError(f"{what} is not a count: {str(value)[:40]!r}")
    if number < 0:
        raise ItemError(f"{what} is negative")
    return number


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_TRAFFIC = re.compile(r"^\s*([\d.,]+)\s*([KMB]?)\+?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


def parse_traffic(value: Any) -> int:
    """Google's "200K+" / "1M+" / "5,000+" to a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _TRAFFIC.match(value) if isinstance(value, str) else None
    if not match:
        raise ItemError(f"formattedTraffic is not a traffic figure: {str(value)[:40]!r}")
    return int(float(match.group(1).replace(",", "")) * _SCALE[match.group(2).upper()])


# --- one parser per source ---------------------------------------------------------------------
def _parse_youtube(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    video_id = _text(item.get("id"), "id")
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        raise ItemError("snippet is missing")
    title = _text(snippet.get("title"), "snippet.title")
    stats = item.get("statistics") or {}
    if not isinstance(stats, dict):
        raise ItemError("statistics is not an object")
    views = _count(stats.get("viewCount"), "statistics.viewCount")
    metrics = {
        "views": views,
        "likes": _count(stats.get("likeCount"), "statistics.likeCount"),
        "comments": _count(stats.get("commentCount"), "statistics.commentCount"),
    }
    category = snippet.get("categoryId")
    language = snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")
    return TrendObservation(
        source="youtube", region=region, term=term_from_title(title, "youtube"), title=title,
        url=f"https://www.youtube.com/watch?v={quote_plus(video_id)}",
        category=str(category) if category is not None else None, metrics=metrics,
        observed_at=observed_at, language=language if isinstance(language, str) else None,
        source_item_id=video_id, published_at=_iso_time(snippet.get("publishedAt")),
        engagement=float(views),
    )


def _parse_google_trends(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    if "entityNames" in item:  # realtime story
        title = _text(item.get("title"), "title")
        query = ", ".join(item["entityNames"][:3]) if isinstance(item.get("entityNames"), list) else title
        traffic = 0
        articles = item.get("articles") or []
    else:
        title_obj = item.get("title")
        query = _text(title_obj.get("query") if isinstance(title_obj, dict) else None, "title.query")
        title = query
        traffic = parse_traffic(item.get("formattedTraffic", "0"))
        articles = item.get("articles") or []
    return TrendObservation(
        source="google_trends", region=region, term=term_from_title(query, "google_trends"), title=title,
        url=f"https://trends.google.com/trends/explore?q={quote_plus(query)}&geo={region}",
        category=None, metrics={"traffic": traffic, "articles": len(articles) if isinstance(articles, list) else 0},
        observed_at=observed_at, language=None, source_item_id=query, published_at=None,
        engagement=float(traffic),
    )


def _parse_x(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    name = _text(item.get("trend_name", item.get("name")), "trend_name")
    volume = _count(item.get("tweet_count", item.get("tweet_volume")), "tweet_count")
    return TrendObservation(
        source="x", region=region, term=term_from_title(name, "x"), title=name,
        url=f"https://x.com/search?q={quote_plus(name)}", category=None,
        metrics={"tweet_volume": volume}, observed_at=observed_at, language=None,
        source_item_id=name, published_at=None, engagement=float(volume),
    )


def _parse_reddit(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        raise ItemError("child has no data object")
    post = item["data"]
    post_id = _text(post.get("id"), "id")
    title = _text(post.get("title"), "title")
    score = post.get("score")
    if isinstance(score, int) and not isinstance(score, bool) and score < 0:
        score = 0  # downvoted below zero: no engagement, still a valid post
    score = _count(score, "score", required=True)
    comments = _count(post.get("num_comments"), "num_comments")
    ratio = post.get("upvote_ratio")
    if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, (int, float))):
        raise ItemError(f"upvote_ratio is not a number: {str(ratio)[:40]!r}")
    created = post.get("created_utc")
    published = (
        datetime.fromtimestamp(created, tz=timezone.utc)
        if isinstance(created, (int, float)) and not isinstance(created, bool) and 0 < created < 4e10
        else None
    )
    subreddit = post.get("subreddit")
    permalink = post.get("permalink")
    return TrendObservation(
        source="reddit", region=region, term=term_from_title(title, "reddit"), title=title,
        url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        category=f"r/{subreddit}" if isinstance(subreddit, str) else None,
        metrics={"score": score, "comments": comments, "upvote_ratio": ratio},
        observed_at=observed_at, language=None, source_item_id=post_id, published_at=published,
        engagement=float(score + comments),
    )


PARSERS: dict[str, Callable[[Any, str, datetime], TrendObservation]] = {
    "youtube": _parse_youtube,
    "google_trends": _parse_google_trends,
    "x": _parse_x,
    "reddit": _parse_reddit,
}
ITEMS: dict[str, Callable[[Any], list]] = {
    "youtube": _youtube_items,
    "google_trends": _google_trends_items,
    "x": _x_items,
    "reddit": _reddit_items,
}
