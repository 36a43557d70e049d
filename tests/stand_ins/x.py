"""X API v2 stand-in: GET /2/trends/by/woeid/:woeid, /2/tweets/counts/recent and /2/tweets/search/recent
with bearer auth.

Errors are problem details (``title``, ``detail``, ``type``; docs.x.com/x-api/fundamentals/response-codes
-and-errors) sent as ``application/problem+json``; a rate limit is a 429 with ``x-rate-limit-limit``,
``-remaining`` and ``-reset`` (epoch seconds) and no Retry-After (:func:`rate_limited`). A recent search
answers ``data``, ``includes.users`` and ``meta`` (tweepy's cassettes/test_client_search_recent_tweets.yaml)
from the sample's posts (``acf.trends.sources.x.sample_search``).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.offline import sample_payload
from acf.trends.sources.x import sample_search

PROBLEM = "application/problem+json"


def rate_limited(reset_in: float = 1.0, limit: int = 450) -> Response:
    """X's 429: the generic problem body, and when the window resets in x-rate-limit-reset."""
    return Response(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                          "status": 429},
                    {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": "0",
                     "x-rate-limit-reset": str(int(time.time() + reset_in + 0.999))}, PROBLEM)

BEARER = "test-x-bearer"
REGION_OF_WOEID = {23424977: "US", 23424975: "GB", 23424848: "IN", 23424768: "BR", 23424829: "DE",
                   23424856: "JP", 1: "US"}


def _unauthorized(request: Request) -> Response | None:
    if request.headers.get("authorization") != f"Bearer {BEARER}":
        return Response(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
                        content_type=PROBLEM)
    return None


def _trends(request: Request) -> Response:

    if (denied := _unauthorized(request)) is not None:
        return denied
    woeid = int(request.match.group(1))
    if woeid not in REGION_OF_WOEID:
        return Response(400, {"errors": [{"message": f"woeid {woeid} is not a valid location"}],
                              "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request"},
                        content_type=PROBLEM)
    document = json.loads(sample_payload("x", REGION_OF_WOEID[woeid], datetime.now(timezone.utc)))
    limit = int(request.arg("max_trends", "20"))
    return Response(200, {"data": document["data"][:limit]})


def _counts(request: Request) -> Response:
    """Buckets of the asked granularity (hour by default, as X's) over the 7 days before now: the first
    starts mid-period and the newest ends now, as the real edges do; the total is fixed per query."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    query = request.arg("query") or ""
    total = 1000 + len(query) * 10
    length = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}.get(
        request.arg("granularity") or "hour")
    if length is None:
        return Response(400, {"errors": [{"message": "granularity must be minute, hour or day"}],
                              "title": "Invalid Request"})
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=7)
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)
    edges = [start]
    edge = epoch + ((start - epoch) // length + 1) * length  # the first period boundary after the start
    while edge < now:
        edges.append(edge)
        edge += length
    edges.append(now)
    spans = list(zip(edges, edges[1:]))
    share = [total * (end - begin) // (now - start) for begin, end in spans]
    share[-1] += total - sum(share)
    stamp = "%Y-%m-%dT%H:%M:%S.000Z"
    data = [{"end": end.strftime(stamp), "start": begin.strftime(stamp), "tweet_count": n}
            for (begin, end), n in zip(spans, share)]
    return Response(200, {"data": data, "meta": {"total_tweet_count": total}})


def _invalid(detail: str) -> Response:
    return Response(400, {"errors": [{"parameters": {}, "message": detail}], "title": "Invalid Request",
                          "detail": "One or more parameters to your request was invalid.",
                          "type": "https://api.twitter.com/2/problems/invalid-request"}, content_type=PROBLEM)


def _search(request: Request) -> Response:
    if (denied := _unauthorized(request)) is not None:
        return denied
    query = request.arg("query")
    if not query:
        return _invalid("The `query` query parameter can not be empty")
    size = int(request.arg("max_results") or 10)
    if not 10 <= size <= 100:
        return _invalid(f"The `max_results` query parameter value [{size}] is not between 10 and 100")
    body = json.loads(sample_search(query, datetime.now(timezone.utc), max_results=size))
    if "author_id" not in (request.arg("tweet.fields") or ""):   # fields not asked for are not sent
        for post in body.get("data", []):
            post.pop("author_id", None)
    if request.arg("expansions") != "author_id":
        body.pop("includes", None)
    return Response(200, body, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449"},
                    "application/json; charset=utf-8")


def x_stand_in() -> StandIn:
    return StandIn({
        ("GET", r"/2/trends/by/woeid/(\d+)"): _trends,
        ("GET", r"/2/tweets/counts/recent"): _counts,
        ("GET", r"/2/tweets/search/recent"): _search,
    })
