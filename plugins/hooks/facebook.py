"""Facebook Page hook: reels and page videos uploaded in start/transfer/finish phases."""
from __future__ import annotations

from typing import Any

from hooks.platform_base import PlatformHook
from acf.redaction import redact


class FacebookHook(PlatformHook):
    """Connection: host = Graph API base URL, login = app id, password = app secret,
    extras: access_token (page token), token_expires_at, page_id, account, chunk_size."""

    conn_name_attr = "facebook_conn_id"
    default_conn_name = "acf_facebook"
    conn_type = "acf_facebook"
    hook_name = "Facebook Page (AI Content Factory)"
    DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
    account_extra = "page_id"

    def _refresher(self):
        from acf.publishing.graph import refresher

        conn = self.connection
        return refresher(self.base_url, conn.login or "", conn.password or "")

    def uploader(self, root: Any, **options: Any):
        from acf.publishing.facebook_api import FacebookUploader
        from acf.publishing.hook_support import media_file_resolver

        extras = self.connection.extra_dejson
        if extras.get("chunk_size"):
            options.setdefault("chunk_size", int(extras["chunk_size"]))
        options.setdefault("timezone", self.timezone)
        return FacebookUploader(self.base_url, self.tokens, extras.get("page_id") or "", media_file_resolver(root),
                                account=self.account, **options)

    def metrics_source(self):
        from acf.analytics.platform_metrics import FACEBOOK_METRICS, GraphInsights
        from acf.publishing.graph import GraphClient

        return GraphInsights(GraphClient(self.base_url, self.tokens, platform="facebook"), "video_insights",
                             FACEBOOK_METRICS)

    def test_connection(self) -> tuple[bool, str]:
        try:
            up = self.get_conn()
            page = up.api.call("GET", f"/{up.page_id}", params={"fields": "id,name"})
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"page {page.get('name') or page.get('id')}"
