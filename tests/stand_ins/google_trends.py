"""Google Trends stand-in: the Trending-now RSS feed (/trending/rss?geo=CC), the cookie page, and the
explore (every widget: TIMESERIES, GEO_MAP, RELATED_TOPICS and RELATED_QUERIES, per keyword when several)
-> widgetdata/multiline pair behind interest over time, as trends.google.com sends them.

The feed's shape (root <rss> with xmlns:ht="https://trends.google.com/trending/rss", per <item> a
title, ht:approx_traffic, pubDate, ht:picture, ht:picture_source and ht:news_item blocks) follows a
recorded feed in the public repository nreza-lab/trendspotting-new, data/sampleFeeds.ts, and the
feed as FACTS.md describes it. Fault modes: geo=ZZ answers Google's 404 HTML page (what dailytrends
does now); geo=XR answers 429 with Retry-After; geo=XB answers an entity-expansion bomb.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.sources.google_trends import sample_interest
from acf.trends.offline import SampleMissing, sample_payload


def _explore(request: Request) -> Response:
    return Response(200, "<html>explore</html>", {"Set-Cookie": "NID=stand-in-cookie; Path=/"}, "text/html")


EMPTY_FEED = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rss xmlns:atom="http://www.w3.org/2005/Atom"'
              ' xmlns:ht="https://trends.google.com/trending/rss" version="2.0"><channel><title>Daily Search Trends'
              '</title></channel></rss>\n')
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;">]>\n<rss><channel><item><title>&lol2;</title></item>'
        '</channel></rss>\n')


def _trending_rss(request: Request) -> Response:

    geo = request.arg("geo")
    if not geo:
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    if geo == "ZZ":
        return Response(404, "<html><title>Error 404 (Not Found)!!1</title></html>", content_type="text/html")
    if geo == "XR":
        return Response(429, "<html>Too Many Requests</html>", {"Retry-After": "0"}, "text/html")
    if geo == "XB":
        return Response(200, BOMB, content_type="application/rss+xml; charset=utf-8")
    try:
        body = sample_payload("google_trends", geo, datetime.now(timezone.utc)).decode()
    except SampleMissing:
        body = EMPTY_FEED
    return Response(200, body, content_type="application/rss+xml; charset=utf-8")


WIDGET_TOKEN = "APP6_stand-in-token"


def _related(kind: str, suffix: str, keyword: str, item: dict, locale: str | None) -> dict:
    """A RELATED_TOPICS / RELATED_QUERIES widget for one keyword (pytrends reads every widget whose id
    contains those words, one per keyword: pytrends/request.py TrendReq._tokens)."""
    return {"request": {"restriction": {"geo": {"country": item["geo"]}, "time": item["time"],
                                        "complexKeywordsRestriction": {"keyword": [{"type": "BROAD", "value": keyword}]}},
                        "keywordType": "ENTITY" if kind == "RELATED_TOPICS" else "QUERY", "metric": ["TOP", "RISING"],
                        "trendinessSettings": {"compareTime": item["time"]},
                        "requestOptions": {"property": "", "backend": "IZG", "category": 0}, "language": locale},
            "token": f"{kind.lower()}-token{suffix}", "id": f"{kind}{suffix}",
            "type": "fe_related_searches", "title": "Related topics" if kind == "RELATED_TOPICS" else "Related queries",
            "template": "fe", "embedTemplate": "fe_embed", "version": "1", "isLong": False, "isCurated": False}


def _explore_widgets(request: Request) -> Response:
    """POST /api/explore: every widget of the explore page, each with its token, for the comparison the ``req``
    parameter asks: TIMESERIES and GEO_MAP for the comparison, then (one keyword) GEO_MAP's siblings
    RELATED_TOPICS and RELATED_QUERIES, or (several) GEO_MAP_i, RELATED_TOPICS_i and RELATED_QUERIES_i per
    keyword, the order pytrends' ``_tokens`` relies on."""
    try:
        req = json.loads(request.arg("req") or "")
        items = req["comparisonItem"]
    except (ValueError, KeyError, TypeError):
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    if not 1 <= len(items) <= 5:
        return Response(400, "<html>Bad Request</html>", content_type="text/html")
    locale = request.arg("hl")
    widget_request = {"time": items[0]["time"], "resolution": "HOUR", "locale": locale,
                      "comparisonItem": [{"geo": {"country": i["geo"]}, "complexKeywordsRestriction": {
                          "keyword": [{"type": "BROAD", "value": i["keyword"]}]}} for i in items],
                      "requestOptions": {"property": "", "backend": "CM", "category": 0}}
    geo_request = {"geo": {"country": items[0]["geo"]}, "comparisonItem": widget_request["comparisonItem"],
                   "resolution": "REGION", "locale": locale, "requestOptions": widget_request["requestOptions"]}
    widgets = [{"id": "TIMESERIES", "title": "Interest over time", "request": widget_request, "token": WIDGET_TOKEN,
                "type": "fe_line_chart", "template": "fe", "embedTemplate": "fe_embed", "version": "1",
                "isLong": True, "isCurated": False},
               {"id": "GEO_MAP", "title": "Compared breakdown by region", "request": geo_request,
                "token": "geo-token", "type": "fe_geo_chart_explore", "template": "fe", "embedTemplate": "fe_embed",
                "version": "1", "isLong": True, "isCurated": False}]
    for index, item in enumerate(items):
        suffix = "" if len(items) == 1 else f"_{index}"
        if suffix:
            widgets.append({"id": f"GEO_MAP{suffix}", "title": "Interest by subregion", "token": f"geo-token{suffix}",
                            "request": dict(geo_request, comparisonItem=[geo_request["comparisonItem"][index]]),
                            "type": "fe_geo_chart_explore", "template": "fe", "embedTemplate": "fe_embed",
                            "version": "1", "isLong": False, "isCurated": False})
        widgets += [_related("RELATED_TOPICS", suffix, item["keyword"], item, locale),
                    _related("RELATED_QUERIES", suffix, item["keyword"], item, locale)]
    return Response(200, ")]}'\n" + json.dumps({"widgets": widgets, "keywords": [
        {"keyword": i["keyword"], "name": i["keyword"], "type": "Search term"} for i in items],
        "timeRanges": [items[0]["time"]], "examples": [], "shareText": "Explore search interest", "shouldShowMultiHeatMapMessage": False}),
        content_type="application/json; charset=utf-8")


def _multiline(request: Request) -> Response:
    """GET /api/widgetdata/multiline: the hourly interest of each keyword of the widget's request."""

    if request.arg("token") != WIDGET_TOKEN:
        return Response(401, "<html>Unauthorized</html>", content_type="text/html")
    keywords = [item["complexKeywordsRestriction"]["keyword"][0]["value"]
                for item in json.loads(request.arg("req"))["comparisonItem"]]
    response = json.loads(sample_interest(keywords, datetime.now(timezone.utc)))["response"]
    return Response(200, ")]}',\n" + json.dumps(response), content_type="application/json; charset=utf-8")


def google_trends_stand_in() -> StandIn:
    return StandIn({
        ("GET", r"/trends/explore/"): _explore,
        ("GET", r"/trending/rss"): _trending_rss,
        ("POST", r"/trends/api/explore"): _explore_widgets,
        ("GET", r"/trends/api/widgetdata/multiline"): _multiline,
    })
