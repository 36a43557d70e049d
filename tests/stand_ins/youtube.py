"""YouTube Data API v3 stand-in (API key): ``GET /youtube/v3/videos`` (chart=mostPopular per region and
category, with pagination; or ``id=a,b`` for statistics) and ``GET /youtube/v3/search``.

Since 2025-07-21 the mostPopular chart reflects only the Trending Music, Movies and Gaming charts
(developers.google.com/youtube/v3/revision_history, 2025-07-10): asked for another ``videoCategoryId``
the stand-in answers ``videoChartNotFound`` ("The requested video chart is not supported or is not
available", badRequest (400) in developers.google.com/youtube/v3/docs/videos/list#errors). Errors have
the Google API shape google-api-python-client reads (``error.errors[].reason``). ``search.list`` has its
own daily bucket (100 calls by default, developers.google.com/youtube/data/determine_quota_cost): past
``search_quota`` calls the stand-in answers 403 ``quotaExceeded``. Search answers come from the sample's
videos (``acf.trends.sources.youtube.sample_search``), statistics from ``sample_videos``.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.offline import SampleMissing, sample_payload
from acf.trends.sources.youtube import sample_search, sample_videos

API_KEY = "test-youtube-key"
CHART_CATEGORIES = {"10", "20", "1"}   # Music, Gaming, Film & Animation (the Movies chart)


def _error(status: int, reason: str, message: str, domain: str | None = None) -> Response:
    return Response(status, {"error": {"code": status, "message": message,
                                       "errors": [{"message": message, "domain": domain or (
                                           "youtube.quota" if "quota" in reason.lower() else "global"),
                                                   "reason": reason}],
                                       "status": {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED",
                                                  404: "NOT_FOUND"}.get(status, "RESOURCE_EXHAUSTED")}})


def _videos(request: Request) -> Response:
    if request.arg("key") != API_KEY:
        return _error(400, "badRequest", "API key not valid. Please pass a valid API key.")
    now = datetime.now(timezone.utc)
    if request.arg("id"):
        return Response(200, json.loads(sample_videos(request.arg("id").split(","), now)),
                        content_type="application/json; charset=UTF-8")
    if request.arg("chart") != "mostPopular":
        return _error(400, "missingRequiredParameter", "No filter selected. Expected one of: myRating, chart, id")
    category = request.arg("videoCategoryId")
    if category not in (None, "", "0") and category not in CHART_CATEGORIES:
        return _error(400, "videoChartNotFound", "The requested video chart is not supported or is not available.")
    region = request.arg("regionCode", "US")
    try:
        document = json.loads(sample_payload("youtube", region, now))
    except SampleMissing:
        return _error(400, "invalidRegionCode", "The regionCode parameter specifies an invalid region code.")
    size = int(request.arg("maxResults", "5"))
    start = int(request.arg("pageToken") or 0)
    items = [i for i in document["items"] if category in (None, "", "0") or i["snippet"].get("categoryId") == category]
    page = {**document, "items": items[start:start + size],
            "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}
    page.pop("nextPageToken", None)
    if start + size < len(items):
        page["nextPageToken"] = str(start + size)
    return Response(200, page, content_type="application/json; charset=UTF-8")


class _SearchBucket:
    def __init__(self, quota: int) -> None:
        self.quota, self.used, self.lock = quota, 0, threading.Lock()

    def __call__(self, request: Request) -> Response:
        if request.arg("key") != API_KEY:
            return _error(400, "badRequest", "API key not valid. Please pass a valid API key.")
        with self.lock:
            if self.used >= self.quota:
                return _error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your "
                              "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.")
            self.used += 1
        published_after = request.arg("publishedAfter")
        if request.arg("type") != "video" or not published_after:
            return _error(400, "invalidSearchFilter", "The request specifies an invalid search filter.")
        after = datetime.fromisoformat(published_after.replace("Z", "+00:00"))
        body = sample_search(request.arg("q") or "", request.arg("regionCode") or "US", after,
                             datetime.now(timezone.utc), max_results=int(request.arg("maxResults") or 5))
        return Response(200, body, content_type="application/json; charset=UTF-8")


def youtube_stand_in(search_quota: int = 100) -> StandIn:
    """``search_quota``: search.list calls answered before ``quotaExceeded`` (the bucket's daily default)."""
    server = StandIn({("GET", r"/youtube/v3/videos"): _videos})
    server.search_bucket = _SearchBucket(search_quota)
    server.route("GET", r"/youtube/v3/search", server.search_bucket)
    return server
