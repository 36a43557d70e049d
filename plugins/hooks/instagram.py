"""Instagram Graph API hook: Reels/Stories through media containers and media_publish."""
from __future__ import annotations

from typing import Any

from hooks.platform_base import PlatformHook
from acf.redaction import redact


class InstagramHook(PlatformHook):
    """Connection: host = Graph API base URL, login = app id, password = app secret,
    extras: access_token (long-lived), token_expires_at, ig_user_id, account."""

    conn_name_attr = "instagram_conn_id"
    default_conn_name = "acf_instagram"
    conn_type = "acf_instagram"
    hook_name = "Instagram (AI Content Factory)"
    DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
    account_extra = "ig_user_id"

    def _refresher(self):
        from acf.publishing.graph import refresher

        conn = self.connection
        return refresher(self.base_url, conn.login or "", conn.password or "")

    def uploader(self, root: Any, public_url=None, **options: Any):
        """``public_url(key) -> URL`` Instagram can fetch; default: a presigned URL from the S3 object store."""
        from acf.publishing.hook_support import public_url_resolver
        from acf.publishing.instagram_api import InstagramUploader

        ig_user_id = self.connection.extra_dejson.get("ig_user_id") or ""
        options.setdefault("timezone", self.timezone)
        return InstagramUploader(self.base_url, self.tokens, ig_user_id, public_url or public_url_resolver(root),
                                 account=self.account, **options)

    def get_conn(self):
        return self.uploader(None, public_url=lambda key: "")

    def metrics_source(self):
        from acf.analytics.platform_metrics import INSTAGRAM_METRICS, GraphInsights
        from acf.publishing.graph import GraphClient

        return GraphInsights(GraphClient(self.base_url, self.tokens, platform="instagram"), "insights",
                             INSTAGRAM_METRICS)

    def test_connection(self) -> tuple[bool, str]:
        try:
            usage, total = self.get_conn().publishing_limit()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"publishing limit used {usage}/{total} in 24 h"
