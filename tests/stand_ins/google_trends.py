"""Google Trends stand-in: the cookie page and /api/dailytrends with the ")]}'," prefix, as trends.google.com sends."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from stand_ins.base import Request, Response, StandIn


def _explore(request: Request) -> Response:
    return Response(200, "<html>explore</html>", {"Set-Cookie": "NID=stand-in-cookie; Path=/"}, "text/html")


def _dailytrends(request: Request) -> Response:
    from acf.trends.offline import SampleMissing, sample_payload

    if request.arg("ns") != "15" or not request.arg("geo"):
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    try:
        body = sample_payload("google_trends", request.arg("geo"), datetime.now(timezone.utc)).decode()
    except SampleMissing:
        body = json.dumps({"default": {"trendingSearchesDays": []}})
    return Response(200, ")]}',\n" + body, content_type="application/json; charset=utf-8")


def google_trends_stand_in() -> StandIn:
    return StandIn({
        ("GET", r"/trends/explore/"): _explore,
        ("GET", r"/trends/api/dailytrends"): _dailytrends,
    })
