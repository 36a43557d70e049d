"""TikTok Content Posting API hook (creator info, init, chunked upload, status)."""
from __future__ import annotations

from typing import Any

from hooks.platform_base import PlatformHook
from acf.redaction import redact

DEFAULT_BASE_URL = "https://open.tiktokapis.com"


class TikTokHook(PlatformHook):
    """Connection: host = API base URL, login = client key, password = client secret,
    extras: access_token, refresh_token, token_expires_at (ISO), account, direct_post."""

    conn_name_attr = "tiktok_conn_id"
    default_conn_name = "acf_tiktok"
    conn_type = "acf_tiktok"
    hook_name = "TikTok (AI Content Factory)"
    DEFAULT_BASE_URL = DEFAULT_BASE_URL

    def _refresher(self):
        from acf.publishing.tiktok_api import refresher

        conn = self.connection
        return refresher(self.base_url, conn.login or "", conn.password or "")

    def uploader(self, root: Any, **options: Any):
        from acf.publishing.hook_support import media_file_resolver
        from acf.publishing.tiktok_api import TikTokUploader

        extras = self.connection.extra_dejson
        options.setdefault("direct_post", str(extras.get("direct_post", True)).lower() not in ("false", "0", "no"))
        options.setdefault("timezone", self.timezone)
        return TikTokUploader(self.base_url, self.tokens, media_file_resolver(root), account=self.account, **options)

    def metrics_source(self):
        from acf.analytics.platform_metrics import TikTokVideoQuery
        from acf.publishing.http import ApiClient

        return TikTokVideoQuery(ApiClient(self.base_url, self.tokens, platform="tiktok"))

    def test_connection(self) -> tuple[bool, str]:
        try:
            info = self.get_conn().creator_info()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected as {info.get('creator_username', '?')}"
