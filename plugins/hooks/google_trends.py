"""Google Trends: the "Trending now" RSS feed per region, and interest over time for terms through pytrends.

pytrends' ``dailytrends`` has answered with Google's 404 page since early 2025 (pytrends was
archived in April 2025), so the trending list comes from ``<base>/../trending/rss?geo=<CC>``, the
feed working tools read, fetched with ``requests``; pytrends stays for the interest signal only,
best effort. pytrends has no base-URL option, so a small subclass builds its endpoint URLs
from the Connection's host (default https://trends.google.com/trends); that is
also how tests point it at the loopback stand-in. pytrends is rate-limited and
fragile: 429s are retried honouring Retry-After, and anything still failing
makes the source *unavailable* for the run (the DAG's other sources go on).
"""
from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection

DEFAULT_BASE = "https://trends.google.com/trends"


class FeedStatusError(Exception):
    """The Trending-now feed answered with an HTTP error status."""

    def __init__(self, response) -> None:
        super().__init__(f"trending feed answered HTTP {response.status_code}")
        self.response = response


def _classify(exc: BaseException) -> tuple[bool, float | None]:
    import requests
    from pytrends import exceptions

    from acf.trends.retry import parse_retry_after

    response = getattr(exc, "response", None)
    if isinstance(exc, FeedStatusError):
        status = response.status_code
        return status == 429 or status >= 500, parse_retry_after(response.headers.get("Retry-After"))
    if isinstance(exc, exceptions.TooManyRequestsError):
        return True, parse_retry_after(response.headers.get("Retry-After") if response is not None else None)
    if isinstance(exc, exceptions.ResponseError):
        status = getattr(response, "status_code", 0) or 0
        return status >= 500, parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
    if isinstance(exc, (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return True, None
    return False, None  # a malformed body or changed endpoint: retrying will not fix it


def _trend_req_class():
    from pytrends.request import TrendReq

    class BasedTrendReq(TrendReq):
        """pytrends' TrendReq with every endpoint under a configurable base URL."""

        def __init__(self, base: str, **kwargs: Any) -> None:
            self.base = base.rstrip("/")
            for name in ("GENERAL_URL", "INTEREST_OVER_TIME_URL", "MULTIRANGE_INTEREST_OVER_TIME_URL",
                         "INTEREST_BY_REGION_URL", "RELATED_QUERIES_URL", "TRENDING_SEARCHES_URL", "TOP_CHARTS_URL",
                         "SUGGESTIONS_URL", "CATEGORIES_URL", "TODAY_SEARCHES_URL",
                         "REALTIME_TRENDING_SEARCHES_URL"):
                setattr(self, name, getattr(TrendReq, name).replace("https://trends.google.com/trends", self.base))
            super().__init__(**kwargs)

        def _get_data(self, url, *args, **kwargs):
            # pytrends' token and interest calls name TrendReq's class URLs, not the instance's.
            if url.startswith(DEFAULT_BASE):
                url = self.base + url[len(DEFAULT_BASE):]
            return super()._get_data(url, *args, **kwargs)

        def GetGoogleCookie(self):  # noqa: N802 - pytrends' name
            import requests

            response = requests.get(f"{self.base}/explore/?geo={self.hl[-2:]}", timeout=self.timeout,
                                    **self.requests_args)
            return dict(filter(lambda item: item[0] == "NID", response.cookies.items()))

    return BasedTrendReq


class GoogleTrendsHook(BaseHook):
    """Connection: host = base URL (default https://trends.google.com/trends; the feed is its sibling
    /trending/rss),
    extras: hl (e.g. en-US), tz (minutes offset, e.g. 360), timeout (seconds),
    interest_timeframe (pytrends timeframe of the interest asked for candidate terms, default "now 7-d")."""

    conn_name_attr = "google_trends_conn_id"
    default_conn_name = "acf_google_trends"
    conn_type = "acf_google_trends"
    hook_name = "Google Trends, pytrends (AI Content Factory)"

    def __init__(self, google_trends_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.google_trends_conn_id = google_trends_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.google_trends_conn_id))

    @cached_property
    def options(self) -> dict:
        return self.connection.extra_dejson

    @property
    def base_url(self) -> str:
        host = self.connection.host or DEFAULT_BASE
        return (host if "://" in host else f"https://{host}").rstrip("/")

    @property
    def feed_url(self) -> str:
        """The Trending-now feed beside the base URL: https://trends.google.com/trends -> .../trending/rss."""
        base = self.base_url
        root = base[: -len("/trends")] if base.endswith("/trends") else base
        return f"{root}/trending/rss"

    @cached_property
    def session(self):
        import requests

        session = requests.Session()
        session.headers["User-Agent"] = "ai-content-factory/1 (+trends)"
        return session

    @cached_property
    def client(self):
        timeout = float(self.options.get("timeout", 10))
        return _trend_req_class()(self.base_url, hl=self.options.get("hl", "en-US"),
                                  tz=int(self.options.get("tz", 360)), timeout=(min(timeout, 5.0), timeout))

    def get_conn(self):
        return self.client

    def _call(self, what: str, fn):
        from acf.trends.retry import call_with_retries

        return call_with_retries(fn, what=f"google trends {what}", classify=_classify)

    def trending_feed(self, region: str) -> bytes:
        """The Trending-now RSS feed for ``region``, as Google sends it (XML)."""
        timeout = float(self.options.get("timeout", 10))

        def call():
            response = self.session.get(self.feed_url, params={"geo": region}, timeout=(min(timeout, 5.0), timeout))
            if response.status_code >= 400:
                raise FeedStatusError(response)
            return response.content

        return self._call(f"trending feed {region}", call)

    def fetch_trending(self, region: str) -> bytes:
        """The payload the trends DAG stores for ``region``: the feed's bytes as received."""
        return self.trending_feed(region)

    def interest_over_time(self, terms: list[str], region: str, timeframe: str = "now 7-d") -> dict[str, list[int]]:
        """Interest (0-100) over ``timeframe`` per term (at most five terms, pytrends' limit)."""
        def call():
            self.client.build_payload(terms[:5], timeframe=timeframe, geo=region)
            frame = self.client.interest_over_time()
            return {term: [int(v) for v in frame[term].tolist()] for term in terms[:5] if term in frame}

        return self._call(f"interest_over_time {region}", call)

    def interest_raw(self, terms: list[str], region: str, timeframe: str = "now 7-d") -> dict:
        """The explore page's interest-over-time answer (``widgetdata/multiline``) for up to five terms,
        as pytrends receives it: the explore call issues the widget's token, then the widget is asked."""
        terms = terms[:5]

        def call():
            client = self.client
            client.build_payload(terms, timeframe=timeframe, geo=region)
            widget = client.interest_over_time_widget
            return client._get_data(url=client.INTEREST_OVER_TIME_URL, method=client.GET_METHOD, trim_chars=5,
                                    params={"req": json.dumps(widget["request"]), "token": widget["token"],
                                            "tz": client.tz})

        return self._call(f"interest {region}", call)

    def fetch_signals(self, terms: list[str], region: str) -> bytes:
        """What the trends DAG stores beside a region's daily searches: their interest over seven days."""
        timeframe = self.options.get("interest_timeframe", "now 7-d")
        response = self.interest_raw(terms, region, timeframe)
        return json.dumps({"terms": terms[:5], "timeframe": timeframe, "response": response},
                          ensure_ascii=False).encode("utf-8")

    def test_connection(self) -> tuple[bool, str]:
        try:
            from acf.trends.sources.google_trends import read_feed

            items = read_feed(self.trending_feed("US").decode("utf-8", errors="replace"))["rss"]["items"]
            return True, f"Google Trends reachable ({len(items)} trending searches in the US feed)"
        except Exception as exc:  # noqa: BLE001
            from acf.trends.retry import redact

            return False, redact(f"{type(exc).__name__}: {exc}")[:300]
