"""YouTube Data API v3 (read-only, API key) for trends: the mostPopular chart per region and category, and
discovery by search (search.list, then videos.list for the hits' statistics).

google-api-python-client with the discovery document shipped in the package
(``static_discovery=True``: nothing is fetched at run time). The raw response
bytes are returned as received, for the object store and the shared parser.

Since 2025-07-21 ``videos.list?chart=mostPopular`` reflects only the Trending Music, Movies and Gaming
charts (YouTube Data API revision history, 2025-07-10: developers.google.com/youtube/v3/revision_history),
so the chart is asked per category of the Connection's ``chart_categories`` (default Music 10, Gaming 20,
Film & Animation 1); a category the chart refuses (``videoChartNotFound``, 400 in the videos.list
reference, developers.google.com/youtube/v3/docs/videos/list#errors; 404 has been seen too) is recorded
in the payload and skipped. What is rising elsewhere is found with ``search.list``, whose calls have a
bucket of their own (100 a day by default, developers.google.com/youtube/data/determine_quota_cost).
"""
from __future__ import annotations

import http.client
import socket
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection

DEFAULT_ROOT = "https://youtube.googleapis.com/"
RETRY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"}
# The categories whose charts mostPopular still serves: Music, Gaming, Film & Animation (the Movies chart).
DEFAULT_CHART_CATEGORIES = ("10", "20", "1")
DEFAULT_SEARCH_BUDGET = 100   # search.list calls a day: the API's default bucket
DEFAULT_SEARCH_TERMS = 3      # a region's leading terms searched per run


def _reasons(exc: BaseException) -> set[str]:
    """The ``errors[].reason`` values of a Google API error."""
    details = getattr(exc, "error_details", "") or []
    return {d.get("reason") for d in details if isinstance(d, dict) and d.get("reason")} if isinstance(details, list) \
        else set()


def _classify(exc: BaseException) -> tuple[bool, float | None]:
    from googleapiclient.errors import HttpError

    from acf.trends.retry import parse_retry_after

    if isinstance(exc, HttpError):
        status = int(exc.resp.status)
        reason = getattr(exc, "reason", "") or ""
        details = str(getattr(exc, "error_details", "") or "")
        retry_after = parse_retry_after(exc.resp.get("retry-after"))
        if status == 429 or status >= 500 or any(r in details or r in reason for r in RETRY_REASONS):
            return True, retry_after
        return False, None  # quotaExceeded, bad key, bad request: waiting a second does not help
    if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException, OSError)):
        return True, None
    return False, None


class YouTubeHook(BaseHook):
    """Connection: password = API key, host = API root URL (default youtube.googleapis.com),
    extras: timeout (seconds), max_results (1-50), chart_categories (videoCategoryIds the chart is asked
    for, list or comma text, default 10,20,1; the older category_id is one category), search_budget
    (search.list calls a day, default 100, counted in acf.quota_spend), search_terms (a region's leading
    terms searched per run, default 3), search_results (hits per search, 1-50, default 10)."""

    conn_name_attr = "youtube_conn_id"
    default_conn_name = "acf_youtube"
    conn_type = "acf_youtube"
    hook_name = "YouTube Data API, trends (AI Content Factory)"

    def __init__(self, youtube_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.youtube_conn_id = youtube_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.youtube_conn_id))

    @cached_property
    def options(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        """The youtube v3 service from the packaged discovery document, pointed at ``host``."""
        import httplib2
        from googleapiclient.discovery import build

        host = self.connection.host or DEFAULT_ROOT
        root = (host if "://" in host else f"https://{host}").rstrip("/") + "/"
        return build(
            "youtube", "v3", developerKey=self.connection.password, static_discovery=True, cache_discovery=False,
            client_options={"api_endpoint": root},
            http=httplib2.Http(timeout=float(self.options.get("timeout", 20))),
        )

    def get_conn(self):
        return self.client

    def most_popular_raw(self, region: str, *, category_id: str | None = None, max_results: int | None = None,
                         page_token: str | None = None, refusals: bool = False) -> bytes:
        """One page of videos.list chart=mostPopular for ``region``, as the raw response bytes.

        ``refusals``: a ``videoChartNotFound`` answer raises ChartRefused at once (not retried) for the
        caller to record and skip."""
        from googleapiclient.errors import HttpError

        from acf.trends.retry import call_with_retries
        from acf.trends.sources.youtube import ChartRefused

        params = {
            "part": "snippet,statistics", "chart": "mostPopular", "regionCode": region,
            "maxResults": int(max_results or self.options.get("max_results", 50)),
        }
        if category_id or self.options.get("category_id"):
            params["videoCategoryId"] = str(category_id or self.options["category_id"])
        if page_token:
            params["pageToken"] = page_token

        def call() -> bytes:
            request = self.client.videos().list(**params)
            request.postproc = lambda response, content: content  # keep the body exactly as received
            try:
                return request.execute()
            except HttpError as exc:
                if refusals and "videoChartNotFound" in _reasons(exc):
                    raise ChartRefused(params.get("videoCategoryId", ""),
                                       f"HTTP {exc.resp.status} videoChartNotFound: {exc.reason}"[:300]) from None
                raise

        return call_with_retries(call, what=f"youtube videos.list {region}", classify=_classify)

    def chart_categories(self) -> list[str]:
        configured = self.options.get("chart_categories")
        if isinstance(configured, str):
            configured = [c.strip() for c in configured.split(",")]
        if not configured and self.options.get("category_id"):
            configured = [self.options["category_id"]]
        return [str(c) for c in (configured or DEFAULT_CHART_CATEGORIES) if str(c).strip()]

    def fetch_trending(self, region: str) -> bytes:
        """The payload the trends DAG stores for ``region``: the chart of each configured category
        (``acf.trends.sources.youtube.charts_payload``); a refused category is recorded and skipped."""
        from acf.trends.sources.youtube import charts_payload

        return charts_payload(region, self.chart_categories(),
                              lambda category: self.most_popular_raw(region, category_id=category, refusals=True))

    def search_raw(self, query: str, region: str, published_after: str, language: str | None = None,
                   max_results: int | None = None) -> bytes:
        """search.list (type=video, order=viewCount) for ``query`` in ``region`` since ``published_after``
        (RFC 3339), as the raw response bytes. One call of the search.list bucket; its ``quotaExceeded``
        raises QuotaExceeded (not retried)."""
        from googleapiclient.errors import HttpError

        from acf.trends.retry import QuotaExceeded, call_with_retries

        params = {"part": "snippet", "q": query, "type": "video", "order": "viewCount", "regionCode": region,
                  "publishedAfter": published_after,
                  "maxResults": max(1, min(50, int(max_results or self.options.get("search_results", 10))))}
        if language:
            params["relevanceLanguage"] = language

        def call() -> bytes:
            request = self.client.search().list(**params)
            request.postproc = lambda response, content: content
            try:
                return request.execute()
            except HttpError as exc:
                if _reasons(exc) & {"quotaExceeded", "dailyLimitExceeded"}:
                    raise QuotaExceeded(f"search.list: HTTP {exc.resp.status} {exc.reason}"[:300]) from None
                raise

        return call_with_retries(call, what=f"youtube search.list {region}", classify=_classify)

    def videos_raw(self, video_ids: list[str]) -> bytes:
        """videos.list (snippet, statistics) for up to 50 ids, as the raw response bytes."""
        from acf.trends.retry import call_with_retries

        def call() -> bytes:
            request = self.client.videos().list(part="snippet,statistics", id=",".join(video_ids[:50]),
                                                maxResults=None)
            request.postproc = lambda response, content: content
            return request.execute()

        return call_with_retries(call, what="youtube videos.list by id", classify=_classify)

    def discovery(self) -> dict:
        """What discovery by search may spend, from the Connection: budget per day, terms per region, and
        the account the spend is counted under."""
        return {"budget": int(self.options.get("search_budget", DEFAULT_SEARCH_BUDGET)),
                "terms": int(self.options.get("search_terms", DEFAULT_SEARCH_TERMS)),
                "account": self.youtube_conn_id}

    def test_connection(self) -> tuple[bool, str]:
        try:
            response = self.client.videos().list(part="id", chart="mostPopular", regionCode="US", maxResults=1).execute()
            return True, f"YouTube Data API reachable ({len(response.get('items', []))} item)"
        except Exception as exc:  # noqa: BLE001 - reported to the UI, not raised
            from acf.trends.retry import redact

            return False, redact(f"{type(exc).__name__}: {exc}")[:300]
