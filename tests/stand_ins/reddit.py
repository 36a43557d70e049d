"""Reddit stand-in: app-only OAuth token (client credentials) and /r/<sub>/hot listings with a bearer token."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from stand_ins.base import Request, Response, StandIn
from acf.trends.offline import SampleMissing, sample_feed, sample_payload
from acf.trends.sources.reddit import sample_comments

CLIENT_ID = "test-reddit-id"
CLIENT_SECRET = "test-reddit-secret"
TOKEN = "stand-in-reddit-token"
# Refusals the listing can answer with whatever the token (``reddit_stand_in(refusal=...)``): Reddit's
# edge sometimes answers 401 with no WWW-Authenticate, which prawcore cannot map to an exception.
REFUSALS = {
    "401_bare": Response(401, {"message": "Unauthorized", "error": 401}),
    "401_invalid_token": Response(401, {"message": "Unauthorized", "error": 401},
                                  {"WWW-Authenticate": 'Bearer realm="reddit", error="invalid_token"'}),
    "403": Response(403, {"message": "Forbidden", "error": 403}),
}


# Reddit's rate headers on every OAuth answer: 100 queries a minute per client id, averaged over a 10-minute
# window (Reddit's Data API wiki), so a quiet app sees about 1,000 left; remaining is sent as a float.
# prawcore spaces requests by them: 99 left of a 600 s window would make it wait 6 s before each request.
RATE_HEADERS = {"x-ratelimit-remaining": "996.0", "x-ratelimit-used": "4", "x-ratelimit-reset": "412"}


def _token(request: Request) -> Response:
    expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return Response(401, {"message": "Unauthorized", "error": 401})
    if b"grant_type=client_credentials" not in request.body:
        return Response(400, {"error": "unsupported_grant_type"})
    return Response(200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def _hot(request: Request, refusal: str | None = None) -> Response:

    if refusal is not None:
        return REFUSALS[refusal]
    if request.headers.get("authorization", "").lower() != f"bearer {TOKEN}":
        return Response(401, {"message": "Unauthorized", "error": 401})
    subreddit = request.match.group(1)
    region = request.arg("geo_filter") or "US"
    try:
        if subreddit.lower() == "popular":
            document = json.loads(sample_payload("reddit", region, datetime.now(timezone.utc)))
        else:  # a subreddit's own listing: the sample's posts from it
            document = json.loads(sample_feed("reddit", subreddit, datetime.now(timezone.utc)))
    except SampleMissing:
        document = {"kind": "Listing", "data": {"children": [], "after": None, "before": None}}
    limit = int(request.arg("limit", "25"))
    document["data"]["children"] = document["data"]["children"][:limit]
    return Response(200, document, RATE_HEADERS)


def _comments(request: Request, refusal: str | None = None) -> Response:
    """GET /comments/<id>: the post and its top comments, a two-listing array (praw-dev/praw tests/integration/
    cassettes/TestComment.test_refresh__with_reply_sort_and_limit.json); an unknown post is Reddit's 404."""
    if refusal is not None:
        return REFUSALS[refusal]
    if request.headers.get("authorization", "").lower() != f"bearer {TOKEN}":
        return Response(401, {"message": "Unauthorized", "error": 401})
    limit = int(request.arg("limit") or 0) or None
    try:
        body = sample_comments(request.match.group(1), datetime.now(timezone.utc), limit=limit)
    except SampleMissing:
        return Response(404, {"message": "Not Found", "error": 404})
    return Response(200, body, RATE_HEADERS)


def reddit_stand_in(refusal: str | None = None) -> StandIn:
    """``refusal``: a key of :data:`REFUSALS` the listings and comments answer with instead of posts."""
    return StandIn({
        ("POST", r"/api/v1/access_token"): _token,
        ("GET", r"/r/([A-Za-z0-9_]+)/hot"): lambda request: _hot(request, refusal),
        ("GET", r"/comments/([a-z0-9]+)/?"): lambda request: _comments(request, refusal),
    })
