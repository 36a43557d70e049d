"""YouTube Data API v3 stand-in: GET /youtube/v3/videos?chart=mostPopular with key auth and pagination."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.offline import SampleMissing, sample_payload

API_KEY = "test-youtube-key"


def _error(status: int, reason: str, message: str) -> Response:
    return Response(status, {"error": {"code": status, "message": message,
                                       "errors": [{"message": message, "domain": "youtube.quota" if "quota" in reason
                                                   else "global", "reason": reason}],
                                       "status": "INVALID_ARGUMENT" if status == 400 else "RESOURCE_EXHAUSTED"}})


def _videos(request: Request) -> Response:

    if request.arg("key") != API_KEY:
        return _error(400, "badRequest", "API key not valid. Please pass a valid API key.")
    if request.arg("chart") != "mostPopular":
        return _error(400, "missingRequiredParameter", "No filter selected.")
    region = request.arg("regionCode", "US")
    try:
        document = json.loads(sample_payload("youtube", region, datetime.now(timezone.utc)))
    except SampleMissing:
        return _error(400, "invalidRegionCode", "The regionCode parameter specifies an invalid region code.")
    size = int(request.arg("maxResults", "5"))
    start = int(request.arg("pageToken") or 0)
    items = document["items"]
    page = {**document, "items": items[start:start + size],
            "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}
    page.pop("nextPageToken", None)
    if start + size < len(items):
        page["nextPageToken"] = str(start + size)
    return Response(200, page, content_type="application/json; charset=UTF-8")


def youtube_stand_in() -> StandIn:
    return StandIn({("GET", r"/youtube/v3/videos"): _videos})
