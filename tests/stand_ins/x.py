"""X API v2 stand-in: GET /2/trends/by/woeid/:woeid and /2/tweets/counts/recent with bearer auth."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.offline import sample_payload

BEARER = "test-x-bearer"
REGION_OF_WOEID = {23424977: "US", 23424975: "GB", 23424848: "IN", 23424768: "BR", 23424829: "DE",
                   23424856: "JP", 1: "US"}


def _unauthorized(request: Request) -> Response | None:
    if request.headers.get("authorization") != f"Bearer {BEARER}":
        return Response(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    return None


def _trends(request: Request) -> Response:

    if (denied := _unauthorized(request)) is not None:
        return denied
    woeid = int(request.match.group(1))
    if woeid not in REGION_OF_WOEID:
        return Response(400, {"errors": [{"message": f"woeid {woeid} is not a valid location"}],
                              "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request"})
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


def x_stand_in() -> StandIn:
    return StandIn({
        ("GET", r"/2/trends/by/woeid/(\d+)"): _trends,
        ("GET", r"/2/tweets/counts/recent"): _counts,
    })
