"""YouTube Data API v3 (read-only, API key) for trends: videos.list chart=mostPopular per region.

google-api-python-client with the discovery document shipped in the package
(``static_discovery=True``: nothing is fetched at run time). The raw response
bytes are returned as received, for the object store and the shared parser.
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
    extras: timeout (seconds), max_results (1-50), category_id (optional videoCategoryId)."""

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
                         page_token: str | None = None) -> bytes:
        """One page of videos.list chart=mostPopular for ``region``, as the raw response bytes."""
        from acf.trends.retry import call_with_retries

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
            return request.execute()

        return call_with_retries(call, what=f"youtube videos.list {region}", classify=_classify)

    def fetch_trending(self, region: str) -> bytes:
        """The payload the trends DAG stores for ``region``."""
        return self.most_popular_raw(region)

    def test_connection(self) -> tuple[bool, str]:
        try:
            response = self.client.videos().list(part="id", chart="mostPopular", regionCode="US", maxResults=1).execute()
            return True, f"YouTube Data API reachable ({len(response.get('items', []))} item)"
        except Exception as exc:  # noqa: BLE001 - reported to the UI, not raised
            from acf.trends.retry import redact

            return False, redact(f"{type(exc).__name__}: {exc}")[:300]
