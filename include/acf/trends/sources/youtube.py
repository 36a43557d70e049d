"""YouTube: the most popular videos of a region (Data API v3 ``videos.list?chart=mostPopular``).

Engagement is the view count; the video's category id decides its trend's category.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from acf.trends import offline, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_count, read_iso_time, read_list, read_object, read_text

NAME = "youtube"


def items(document: Any) -> list:
    if not isinstance(document, dict) or document.get("kind") not in (None, "youtube#videoListResponse"):
        raise TypeError("expected a youtube#videoListResponse object")
    return read_list(document["items"], "items")


def parse(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    video_id = read_text(read_object(item).get("id"), "id")
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        raise ItemError("snippet is missing")
    title = read_text(snippet.get("title"), "snippet.title")
    stats = item.get("statistics") or {}
    if not isinstance(stats, dict):
        raise ItemError("statistics is not an object")
    views = read_count(stats.get("viewCount"), "statistics.viewCount")
    metrics = {
        "views": views,
        "likes": read_count(stats.get("likeCount"), "statistics.likeCount"),
        "comments": read_count(stats.get("commentCount"), "statistics.commentCount"),
    }
    channel = snippet.get("channelTitle")
    if isinstance(channel, str) and channel.strip():
        metrics["channel"] = channel.strip()[:100]  # the brief names who made the video
    category = snippet.get("categoryId")
    language = snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")
    return TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(title, NAME), title=title,
        url=f"https://www.youtube.com/watch?v={quote_plus(video_id)}",
        category=str(category) if category is not None else None, metrics=metrics,
        observed_at=observed_at, language=language if isinstance(language, str) else None,
        source_item_id=video_id, published_at=read_iso_time(snippet.get("publishedAt")),
        engagement=float(views),
    )


def shift_sample(document: dict, delta: timedelta) -> None:
    for item in document.get("items", []):
        snippet = item.get("snippet", {})
        if isinstance(snippet.get("publishedAt"), str):
            snippet["publishedAt"] = offline.shift_iso(snippet["publishedAt"], delta)


def evidence(item: dict) -> list:
    """The video: its title verbatim, channel, counts and when it was published."""
    from acf.trends.evidence import make

    metrics = item.get("metrics") or {}
    kept = {k: metrics[k] for k in ("views", "likes", "comments") if isinstance(metrics.get(k), int)}
    one = make("video", NAME, item.get("title"), publisher=metrics.get("channel"), url=item.get("url"),
               published_at=item.get("published_at"), metrics=kept, item_id=item.get("source_item_id"))
    return [one] if one is not None else []


SOURCE = TrendSource(name=NAME, items=items, parse=parse, shift_sample=shift_sample,
                     term_rule=terms.strip_packaging, category_kind="category_id", evidence=evidence)
