"""YouTube: the most popular videos of a region (Data API v3 ``videos.list?chart=mostPopular``), per
category since the chart serves only some (a payload of several charts, :func:`charts_payload`), and the
videos discovery by search finds (``search.list`` then ``videos.list``: the same video resources).

Engagement is the view count; the video's category id decides its trend's category.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from acf.trends import offline, terms
from acf.trends.models import TrendObservation
from acf.trends.retry import SourceUnavailable
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_count, read_iso_time, read_list, read_object, read_text

NAME = "youtube"
log = logging.getLogger(__name__)
CHARTS_KIND = "acf#youtubeCharts"   # the payload of one region's charts, one videos.list answer per category
SEARCH_KIND = "acf#youtubeSearch"   # the payload of one region's discovery: its searches and the hits' videos
SEARCH_MARK = "acf_found_for"       # the term a search hit was found for (its observation's term)
SEARCH_ID = "~for~"                 # a hit's source_item_id: <video id>~for~<term key>: one sighting per term


class ChartRefused(SourceUnavailable):
    """The mostPopular chart does not serve this category (``videoChartNotFound``): recorded, skipped."""

    def __init__(self, category: str, message: str) -> None:
        super().__init__(f"chart of category {category} refused: {message}")
        self.category, self.detail = category, message


def charts_payload(region: str, categories: list[str], chart: Callable[[str], bytes]) -> bytes:
    """One region's charts as one payload: ``{"kind": "acf#youtubeCharts", "regionCode", "charts":
    {category: the videos.list answer as received}, "refused": {category: why}}``. A refused category is
    recorded and skipped; when every category is refused the source is unavailable for the run."""
    charts, refused = {}, {}
    for category in categories:
        try:
            charts[category] = json.loads(chart(category))
        except ChartRefused as exc:
            refused[category] = exc.detail
            log.warning("youtube %s: %s", region, exc)
    if not charts:
        raise SourceUnavailable(f"youtube {region}: no chart served ({', '.join(f'{c}: {r}' for c, r in refused.items())})")
    return json.dumps({"kind": CHARTS_KIND, "regionCode": region, "charts": charts, "refused": refused},
                      ensure_ascii=False).encode("utf-8")


def search_payload(region: str, published_after: str, searches: dict[str, Any], videos: bytes) -> bytes:
    """What discovery by search found in a region as one payload: ``{"kind": "acf#youtubeSearch",
    "regionCode", "publishedAfter", "searches": {term: the search.list answer}, "videos": the videos.list
    answer for the hits}``; each hit becomes an observation of the term it was found for."""
    return json.dumps({"kind": SEARCH_KIND, "regionCode": region, "publishedAfter": published_after,
                       "searches": searches, "videos": json.loads(videos)}, ensure_ascii=False).encode("utf-8")


def _hits(document: dict) -> list:
    """A search payload's videos, each marked with the term whose search found it (a video found by two
    terms is a sighting of each)."""
    searches = document.get("searches")
    if not isinstance(searches, dict):
        raise TypeError("searches is not an object")
    videos = {v.get("id"): v for v in items(document.get("videos")) if isinstance(v, dict)}
    found = []
    for term, answer in searches.items():
        for hit in read_list(answer.get("items") if isinstance(answer, dict) else None, "items"):
            video_id = (hit.get("id") or {}).get("videoId") if isinstance(hit, dict) else None
            if video_id in videos:
                found.append({**videos[video_id], SEARCH_MARK: term})
    return found


def items(document: Any) -> list:
    if isinstance(document, dict) and document.get("kind") == SEARCH_KIND:
        return _hits(document)
    if isinstance(document, dict) and document.get("kind") == CHARTS_KIND:
        charts = document.get("charts")
        if not isinstance(charts, dict):
            raise TypeError("charts is not an object")
        return [item for answer in charts.values() for item in items(answer)]
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
    found_for = item.get(SEARCH_MARK)
    if found_for is not None:
        found_for = read_text(found_for, SEARCH_MARK)
        metrics["found_for"] = found_for[:200]
    return TrendObservation(
        source=NAME, region=region, term=found_for or terms.term_from_title(title, NAME), title=title,
        url=f"https://www.youtube.com/watch?v={quote_plus(video_id)}",
        category=str(category) if category is not None else None, metrics=metrics,
        observed_at=observed_at, language=language if isinstance(language, str) else None,
        source_item_id=f"{video_id}{SEARCH_ID}{terms.term_key(found_for)}" if found_for else video_id,
        published_at=read_iso_time(snippet.get("publishedAt")), engagement=float(views),
    )


def shift_sample(document: dict, delta: timedelta) -> None:
    for item in document.get("items", []):
        snippet = item.get("snippet", {})
        if isinstance(snippet.get("publishedAt"), str):
            snippet["publishedAt"] = offline.shift_iso(snippet["publishedAt"], delta)


def _sample_videos(region: str | None, at: datetime) -> list[dict]:
    """The sample's videos (every region's chart and the search-only ones), timestamps moved to ``at``;
    with ``region``, only those seen there."""
    delta = at - offline.SAMPLE_ANCHOR
    videos: dict[str, dict] = {}
    for code in offline.sample_regions(NAME):
        if region is None or code == region:
            for item in json.loads(offline.sample_payload(NAME, code, at))["items"]:
                videos.setdefault(item["id"], item)
    for item in offline.sample_extra(NAME, "search")["videos"]:
        if region is None or region in item["regions"]:
            moved = {k: v for k, v in item.items() if k != "regions"}
            moved["snippet"] = dict(item["snippet"], publishedAt=offline.shift_iso(item["snippet"]["publishedAt"], delta))
            videos.setdefault(item["id"], moved)
    return list(videos.values())


def sample_search(query: str, region: str, published_after: datetime, at: datetime, *, max_results: int = 10) -> bytes:
    """``search.list?type=video&order=viewCount&publishedAfter=..&regionCode=..`` as the API answers it
    (``youtube#searchListResponse`` of ``youtube#searchResult`` items, developers.google.com/youtube/v3/docs
    /search/list): the sample videos of ``region`` whose title, description or tags hold the query's words."""
    found = []
    for video in _sample_videos(region, at):
        snippet = video["snippet"]
        published = read_iso_time(snippet.get("publishedAt"))
        text = " ".join([snippet.get("title", ""), snippet.get("description", ""), " ".join(snippet.get("tags", []))])
        if published and published >= published_after and offline.query_matches(query, text):
            found.append(video)
    found.sort(key=lambda v: -int(v["statistics"]["viewCount"]))
    items = [{"kind": "youtube#searchResult", "etag": v["etag"], "id": {"kind": "youtube#video", "videoId": v["id"]},
              "snippet": {k: v["snippet"][k] for k in ("publishedAt", "channelId", "title", "description",
                                                       "thumbnails", "channelTitle", "liveBroadcastContent")}
              | {"publishTime": v["snippet"]["publishedAt"]}} for v in found[:max_results]]
    return json.dumps({"kind": "youtube#searchListResponse", "etag": "sample", "regionCode": region,
                       "pageInfo": {"totalResults": len(found), "resultsPerPage": max_results}, "items": items},
                      ensure_ascii=False).encode("utf-8")


def sample_videos(video_ids: list[str], at: datetime) -> bytes:
    """``videos.list?part=snippet,statistics&id=a,b`` for the sample's videos (unknown ids are left out,
    as the API leaves them out)."""
    known = {v["id"]: v for v in _sample_videos(None, at)}
    items = [known[i] for i in video_ids if i in known]
    return json.dumps({"kind": "youtube#videoListResponse", "etag": "sample", "items": items,
                       "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}},
                      ensure_ascii=False).encode("utf-8")


def evidence(item: dict) -> list:
    """The video: its title verbatim, channel, counts and when it was published."""
    from acf.trends.evidence import make

    metrics = item.get("metrics") or {}
    kept = {k: metrics[k] for k in ("views", "likes", "comments") if isinstance(metrics.get(k), int)}
    item_id = str(item.get("source_item_id") or "").split(SEARCH_ID)[0] or None
    one = make("video", NAME, item.get("title"), publisher=metrics.get("channel"), url=item.get("url"),
               published_at=item.get("published_at"), metrics=kept, item_id=item_id)
    return [one] if one is not None else []


SOURCE = TrendSource(name=NAME, items=items, parse=parse, shift_sample=shift_sample,
                     term_rule=terms.strip_packaging, category_kind="category_id", evidence=evidence)
