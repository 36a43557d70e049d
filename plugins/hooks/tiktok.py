"""TikTok Content Posting API hook (creator info, init, chunked upload, status)."""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

DEFAULT_BASE_URL = "https://open.tiktokapis.com"


class TikTokHook(BaseHook):
    """Connection: host = API base URL, login = client key, password = client secret,
    extras: access_token, refresh_token, token_expires_at (ISO), account, direct_post."""

    conn_name_attr = "tiktok_conn_id"
    default_conn_name = "acf_tiktok"
    conn_type = "acf_tiktok"
    hook_name = "TikTok (AI Content Factory)"

    def __init__(self, tiktok_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tiktok_conn_id = tiktok_conn_id

    @classmethod
    def uploader_if_configured(cls, root: Any, conn_id: str | None = None):
        """The uploader when the Connection exists, else None (the tier then falls back to the outbox)."""
        from airflow.sdk.exceptions import AirflowNotFoundException

        hook = cls(conn_id or cls.default_conn_name)
        try:
            hook.connection
        except AirflowNotFoundException:
            return None
        return hook.uploader(root)

    @cached_property
    def connection(self):
        return self.get_connection(self.tiktok_conn_id)

    @cached_property
    def base_url(self) -> str:
        host = self.connection.host or DEFAULT_BASE_URL
        return host if "://" in host else f"https://{host}"

    @cached_property
    def tokens(self):
        from acf.publishing.hook_support import token_from_extras
        from acf.publishing.http import TokenManager
        from acf.publishing.tiktok_api import refresher

        from acf.publishing.hook_support import connection_key, shared_token_manager

        conn = self.connection
        refresh = refresher(self.base_url, conn.login or "", conn.password or "")
        return shared_token_manager(
            connection_key(self.tiktok_conn_id, conn.host, conn.login, conn.password, conn.extra),
            lambda: TokenManager(token_from_extras(conn.extra_dejson), refresh, account=self.account))

    @property
    def account(self) -> str:
        return self.connection.extra_dejson.get("account") or self.tiktok_conn_id

    def uploader(self, root: Any, **options: Any):
        from acf.publishing.hook_support import media_file_resolver
        from acf.publishing.tiktok_api import TikTokUploader

        extras = self.connection.extra_dejson
        options.setdefault("direct_post", str(extras.get("direct_post", True)).lower() not in ("false", "0", "no"))
        return TikTokUploader(self.base_url, self.tokens, media_file_resolver(root), account=self.account, **options)

    def get_conn(self):
        return self.uploader(None)

    def test_connection(self) -> tuple[bool, str]:
        try:
            info = self.get_conn().creator_info()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"connected as {info.get('creator_username', '?')}"
