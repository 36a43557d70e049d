"""X (Twitter) API v2 through tweepy's Client with an app bearer token: trends per WOEID, recent counts.

tweepy has no base-URL option; its Client exposes the ``requests.Session`` it
sends through, so a transport adapter on that session sends ``api.twitter.com``
requests to the Connection's host instead (and sets timeouts). Tests use it to
point the real tweepy at the loopback stand-in.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection

TWEEPY_HOST = "https://api.twitter.com"
DEFAULT_HOST = "https://api.x.com"
# Yahoo WOEIDs of the factory's default regions (extras.woeids can add more: {"FR": 23424819}).
WOEIDS = {"US": 23424977, "GB": 23424975, "IN": 23424848, "BR": 23424768, "DE": 23424829, "JP": 23424856,
          "FR": 23424819, "CA": 23424775, "AU": 23424748, "MX": 23424900, "ES": 23424950, "IT": 23424853,
          "WORLD": 1}


# What a recent search asks for beside the text (docs.x.com: the post object's public_metrics, the
# author expansion); the answer's shape is tweepy's recorded cassettes/test_client_search_recent_tweets.yaml.
SEARCH_FIELDS = {"tweet.fields": "public_metrics,created_at,author_id,lang,possibly_sensitive,referenced_tweets",
                 "expansions": "author_id", "user.fields": "username,name"}


def _classify(exc: BaseException) -> tuple[bool, float | None]:
    import requests
    import tweepy

    from acf.trends.retry import parse_retry_after

    if isinstance(exc, tweepy.TooManyRequests):
        headers = exc.response.headers
        after = parse_retry_after(headers.get("Retry-After"))
        if after is None and headers.get("x-rate-limit-reset"):
            import time

            after = max(0.0, float(headers["x-rate-limit-reset"]) - time.time())
        return True, after
    if isinstance(exc, tweepy.TwitterServerError):
        return True, parse_retry_after(exc.response.headers.get("Retry-After"))
    if isinstance(exc, (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return True, None
    return False, None


def _redirecting_adapter(base: str, timeout: float):
    from requests.adapters import HTTPAdapter

    class RedirectingAdapter(HTTPAdapter):
        """Sends tweepy's fixed api.twitter.com URLs to ``base`` with a timeout."""

        def send(self, request, **kwargs):
            if request.url.startswith(TWEEPY_HOST):
                request.url = base + request.url[len(TWEEPY_HOST):]
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().send(request, **kwargs)

    return RedirectingAdapter()


class XHook(BaseHook):
    """Connection: password = app bearer token, host = API base URL (default https://api.x.com),
    extras: timeout (seconds), max_trends (1-50), woeids (JSON object region -> WOEID),
    count_terms (recent-search counts per region and run, default 10; 0 turns them off),
    count_granularity (minute, hour or day buckets of the counts, default day), post_terms (top trends
    searched for posts per run, default 5; 0 = off), post_cap (posts read per run at most, the plan's
    cap, default 100)."""

    conn_name_attr = "x_conn_id"
    default_conn_name = "acf_x"
    conn_type = "acf_x"
    hook_name = "X API v2, trends (AI Content Factory)"

    def __init__(self, x_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.x_conn_id = x_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.x_conn_id))

    @cached_property
    def options(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        import tweepy

        host = self.connection.host or DEFAULT_HOST
        base = (host if "://" in host else f"https://{host}").rstrip("/")
        client = tweepy.Client(bearer_token=self.connection.password, wait_on_rate_limit=False)
        client.session.mount(TWEEPY_HOST, _redirecting_adapter(base, float(self.options.get("timeout", 15))))
        return client

    def get_conn(self):
        return self.client

    def woeid(self, region: str) -> int:
        known = {**WOEIDS, **{k.upper(): int(v) for k, v in (self.options.get("woeids") or {}).items()}}
        if region.upper() not in known:
            from acf.trends.retry import SourceUnavailable

            raise SourceUnavailable(f"no WOEID known for region {region!r}; add it to the Connection's extras.woeids")
        return known[region.upper()]

    def trends_raw(self, region: str) -> bytes:
        """GET /2/trends/by/woeid/:woeid for ``region``, as the raw response bytes."""
        from acf.trends.retry import call_with_retries

        route = f"/2/trends/by/woeid/{self.woeid(region)}"
        params = {"max_trends": int(self.options.get("max_trends", 50))}
        return call_with_retries(lambda: self.client.request("GET", route, params=params).content,
                                 what=f"x trends {region}", classify=_classify)

    def fetch_trending(self, region: str) -> bytes:
        return self.trends_raw(region)

    def recent_counts_raw(self, query: str) -> dict:
        """GET /2/tweets/counts/recent (buckets of ``count_granularity`` over the last 7 days) as the
        response JSON; the reader compares full buckets of whichever granularity it gets."""
        from acf.trends.retry import call_with_retries
        from acf.trends.signals import X_GRANULARITIES

        granularity = str(self.options.get("count_granularity", "day"))
        if granularity not in X_GRANULARITIES:
            raise ValueError(f"extras.count_granularity is {granularity[:20]!r}; X counts by {', '.join(X_GRANULARITIES)}")
        params = {"query": query, "granularity": granularity}
        return call_with_retries(lambda: self.client.request("GET", "/2/tweets/counts/recent", params=params).json(),
                                 what="x recent counts", classify=_classify)

    def recent_count(self, query: str) -> int:
        """Posts matching ``query`` over the last 7 days (recent-search counts)."""
        return int((self.recent_counts_raw(query).get("meta") or {}).get("total_tweet_count", 0))

    def fetch_signals(self, names: list[str], region: str) -> bytes:
        """Recent-search counts per trend name, ``{name: response}``: what the trends DAG stores beside
        a region's trends (counts are worldwide: X's counts endpoint has no location filter)."""
        import json

        from acf.trends.signals import x_query

        limit = int(self.options.get("count_terms", 10))  # each name is one request of the app's quota
        answers = {name: self.recent_counts_raw(query) for name in names[:limit] if (query := x_query(name))}
        return json.dumps(answers, ensure_ascii=False).encode("utf-8")

    def search_recent_raw(self, query: str, max_results: int = 10) -> bytes:
        """``GET /2/tweets/search/recent`` for ``query``: posts with their public metrics, creation time and
        language, authors expanded (``includes.users``), as the raw response bytes (10 to 100 posts)."""
        from acf.trends.retry import call_with_retries

        params = {"query": query, "max_results": max(10, min(100, int(max_results))), "sort_order": "relevancy",
                  **SEARCH_FIELDS}
        return call_with_retries(lambda: self.client.request("GET", "/2/tweets/search/recent", params=params).content,
                                 what="x recent search", classify=_classify)

    def evidence_limits(self) -> dict:
        return {"post_terms": int(self.options.get("post_terms", 5)), "post_cap": int(self.options.get("post_cap", 100))}

    def test_connection(self) -> tuple[bool, str]:
        try:
            response = self.client.request("GET", "/2/trends/by/woeid/1", params={"max_trends": 1})
            return True, f"X API reachable ({len(response.json().get('data', []))} trend)"
        except Exception as exc:  # noqa: BLE001
            from acf.trends.retry import redact

            return False, redact(f"{type(exc).__name__}: {exc}")[:300]
