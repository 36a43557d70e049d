"""Google Trends stand-in: the cookie page, /api/dailytrends with the ")]}'," prefix, and the explore ->
widgetdata/multiline pair behind interest over time, as trends.google.com sends them."""
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


WIDGET_TOKEN = "APP6_stand-in-token"


def _explore_widgets(request: Request) -> Response:
    """POST /api/explore: the widgets (with their tokens) for the comparison the ``req`` parameter asks."""
    try:
        req = json.loads(request.arg("req") or "")
        items = req["comparisonItem"]
    except (ValueError, KeyError, TypeError):
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    if not 1 <= len(items) <= 5:
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    widget_request = {"time": items[0]["time"], "resolution": "HOUR", "locale": request.arg("hl"),
                      "comparisonItem": [{"geo": {"country": i["geo"]}, "complexKeywordsRestriction": {
                          "keyword": [{"type": "BROAD", "value": i["keyword"]}]}} for i in items],
                      "requestOptions": {"property": "", "backend": "CM", "category": 0}}
    widgets = [{"id": "TIMESERIES", "title": "Interest over time", "request": widget_request,
                "token": WIDGET_TOKEN, "type": "fe_line_chart"},
               {"id": "GEO_MAP", "request": {}, "token": "geo-token", "type": "fe_geo_chart_explore"}]
    return Response(200, ")]}'\n" + json.dumps({"widgets": widgets}), content_type="application/json; charset=utf-8")


def _multiline(request: Request) -> Response:
    """GET /api/widgetdata/multiline: the hourly interest of each keyword of the widget's request."""
    from acf.trends.sources.google_trends import sample_interest

    if request.arg("token") != WIDGET_TOKEN:
        return Response(401, "<html>Unauthorized</html>", content_type="text/html")
    keywords = [item["complexKeywordsRestriction"]["keyword"][0]["value"]
                for item in json.loads(request.arg("req"))["comparisonItem"]]
    response = json.loads(sample_interest(keywords, datetime.now(timezone.utc)))["response"]
    return Response(200, ")]}',\n" + json.dumps(response), content_type="application/json; charset=utf-8")


def google_trends_stand_in() -> StandIn:
    return StandIn({
        ("GET", r"/trends/explore/"): _explore,
        ("GET", r"/trends/api/dailytrends"): _dailytrends,
        ("POST", r"/trends/api/explore"): _explore_widgets,
        ("GET", r"/trends/api/widgetdata/multiline"): _multiline,
    })
