"""Reddit through praw, read-only with app credentials: hot posts of r/popular per region and of subreddits.

praw takes its endpoints as settings (``oauth_url``, ``reddit_url``), so the
Connection's host points it at the real API or at a loopback stand-in; the
listing JSON comes back as Reddit sent it (``Reddit.request``), for the object
store and the shared parser.
"""
from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection

DEFAULT_OAUTH_URL = "https://oauth.reddit.com"
DEFAULT_REDDIT_URL = "https://www.reddit.com"
REFUSED = {401: "Reddit refused the credentials (401)", 403: "Reddit refused access (403)"}
POST_ID = re.compile(r"^[a-z0-9]{1,12}$")   # a base-36 post id, as in /comments/<id>


def _refusal(response) -> None:
    """Raise SourceRefused for a 401 or 403, before prawcore sees it.

    prawcore answers a 401 by clearing the token and refetching it, three times with sleeps, then maps
    the status through WWW-Authenticate: without that header it fails with ``KeyError: 401``. The
    hook's client lives for one task, far less than the token's 24 h, so a 401 means the app's
    credentials were refused, and another token will not change that.
    """
    from acf.trends.retry import SourceRefused

    if response.status_code in REFUSED:
        challenge = response.headers.get("www-authenticate")
        where = response.request.path_url.split("?")[0] if response.request is not None else ""
        detail = f" at {where}" + (f", {challenge}" if challenge else "")
        raise SourceRefused(f"{REFUSED[response.status_code]}{detail}: check the Connection's client id and secret"
                            " and the app's access")


def _unwrapped(call):
    """prawcore wraps what the transport raises in RequestException; a refusal is re-raised as itself."""
    from prawcore.exceptions import RequestException

    from acf.trends.retry import SourceRefused

    try:
        return call()
    except RequestException as exc:
        if isinstance(exc.original_exception, SourceRefused):
            raise exc.original_exception from None
        raise


def _classify(exc: BaseException) -> tuple[bool, float | None]:
    from prawcore import exceptions

    from acf.trends.retry import parse_retry_after

    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", {}) or {}
    if isinstance(exc, exceptions.TooManyRequests):
        return True, parse_retry_after(headers.get("Retry-After"))
    if isinstance(exc, (exceptions.ServerError, exceptions.RequestException)):
        return True, parse_retry_after(headers.get("Retry-After"))
    return False, None


class RedditHook(BaseHook):
    """Connection: login = app client id, password = client secret, host = OAuth API URL
    (default https://oauth.reddit.com), extras: reddit_url (token host, default https://www.reddit.com),
    user_agent, subreddits (comma list), limit (1-100), timeout (seconds), comment_trends (top trends
    whose best post has its comments read per run, one request each, default 6; 0 = off),
    comments_per_post (top comments kept per post, default 5)."""

    conn_name_attr = "reddit_conn_id"
    default_conn_name = "acf_reddit"
    conn_type = "acf_reddit"
    hook_name = "Reddit, praw read-only (AI Content Factory)"

    def __init__(self, reddit_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reddit_conn_id = reddit_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.reddit_conn_id))

    @cached_property
    def options(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        import praw
        import requests
        from requests.adapters import HTTPAdapter

        timeout = float(self.options.get("timeout", 16))

        class TimeoutAdapter(HTTPAdapter):
            """prawcore sends a fixed 16 s timeout; the Connection's is the one that counts.
            A refusal is raised here, where prawcore cannot retry it (see ``_refusal``)."""

            def send(self, request, **kwargs):
                kwargs["timeout"] = timeout
                response = super().send(request, **kwargs)
                _refusal(response)
                return response

        session = requests.Session()
        session.mount("http://", TimeoutAdapter())
        session.mount("https://", TimeoutAdapter())

        host = self.connection.host or DEFAULT_OAUTH_URL
        oauth_url = (host if "://" in host else f"https://{host}").rstrip("/")
        reddit = praw.Reddit(
            client_id=self.connection.login, client_secret=self.connection.password,
            user_agent=self.options.get("user_agent", "ai-content-factory/0.1 (trend monitor)"),
            oauth_url=oauth_url, reddit_url=self.options.get("reddit_url", DEFAULT_REDDIT_URL).rstrip("/"),
            check_for_updates=False, check_for_async=False, requestor_kwargs={"session": session},
        )
        reddit.read_only = True
        return reddit

    def get_conn(self):
        return self.client

    def hot_raw(self, subreddit: str = "popular", *, region: str | None = None, limit: int | None = None) -> bytes:
        """The hot listing of ``subreddit`` (r/popular with a region's geo filter) as JSON bytes."""
        from acf.trends.retry import call_with_retries

        params: dict[str, Any] = {"limit": int(limit or self.options.get("limit", 100)), "raw_json": 1}
        if region and subreddit == "popular":
            params["geo_filter"] = region
        listing = call_with_retries(
            lambda: _unwrapped(lambda: self.client.request(method="GET", path=f"/r/{subreddit}/hot", params=params)),
            what=f"reddit r/{subreddit} hot", classify=_classify)
        return json.dumps(listing, ensure_ascii=False).encode("utf-8")

    def fetch_trending(self, region: str) -> bytes:
        return self.hot_raw("popular", region=region)

    def fetch_feed(self, subreddit: str) -> bytes:
        """A configured subreddit's hot listing (the trends DAG's extra Reddit fetches)."""
        return self.hot_raw(subreddit)

    def comments_raw(self, post_id: str, limit: int = 5) -> bytes:
        """``GET /comments/<id>?sort=top``: the post and its top comments, a two-listing array, as JSON bytes."""
        from acf.trends.retry import call_with_retries

        if not POST_ID.match(post_id or ""):
            raise ValueError(f"not a Reddit post id: {str(post_id)[:40]!r}")
        params = {"sort": "top", "limit": max(1, min(100, int(limit))), "depth": 1, "raw_json": 1}
        answer = call_with_retries(
            lambda: _unwrapped(lambda: self.client.request(method="GET", path=f"/comments/{post_id}", params=params)),
            what=f"reddit comments {post_id}", classify=_classify)
        return json.dumps(answer, ensure_ascii=False).encode("utf-8")

    def evidence_limits(self) -> dict:
        return {"comment_trends": int(self.options.get("comment_trends", 6)),
                "comments_per_post": int(self.options.get("comments_per_post", 5))}

    def subreddits(self) -> list[str]:
        return [s.strip() for s in str(self.options.get("subreddits", "")).split(",") if s.strip()]

    def test_connection(self) -> tuple[bool, str]:
        try:
            listing = _unwrapped(lambda: self.client.request(method="GET", path="/r/popular/hot", params={"limit": 1}))
            return True, f"Reddit reachable ({len(listing['data']['children'])} post)"
        except Exception as exc:  # noqa: BLE001
            from acf.trends.retry import redact

            return False, redact(f"{type(exc).__name__}: {exc}")[:300]
