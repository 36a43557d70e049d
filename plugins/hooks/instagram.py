"""Instagram Graph API hook: Reels/Stories through media containers and media_publish."""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"


class InstagramHook(BaseHook):
    """Connection: host = Graph API base URL, login = app id, password = app secret,
    extras: access_token (long-lived), token_expires_at, ig_user_id, account."""

    conn_name_attr = "instagram_conn_id"
    default_conn_name = "acf_instagram"
    conn_type = "acf_instagram"
    hook_name = "Instagram (AI Content Factory)"

    def __init__(self, instagram_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.instagram_conn_id = instagram_conn_id

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
        return self.get_connection(self.instagram_conn_id)

    @cached_property
    def base_url(self) -> str:
        host = self.connection.host or DEFAULT_BASE_URL
        return host if "://" in host else f"https://{host}"

    @property
    def account(self) -> str:
        extras = self.connection.extra_dejson
        return extras.get("account") or extras.get("ig_user_id") or self.instagram_conn_id

    @cached_property
    def tokens(self):
        from acf.publishing.graph import refresher
        from acf.publishing.hook_support import token_from_extras
        from acf.publishing.http import TokenManager

        from acf.publishing.hook_support import connection_key, shared_token_manager

        conn = self.connection
        return shared_token_manager(
            connection_key(self.instagram_conn_id, conn.host, conn.login, conn.password, conn.extra),
            lambda: TokenManager(token_from_extras(conn.extra_dejson),
                                 refresher(self.base_url, conn.login or "", conn.password or ""), account=self.account))

    def uploader(self, root: Any, public_url=None, **options: Any):
        """``public_url(key) -> URL`` Instagram can fetch; default: a presigned URL from the S3 object store."""
        from acf.publishing.hook_support import public_url_resolver
        from acf.publishing.instagram_api import InstagramUploader

        ig_user_id = self.connection.extra_dejson.get("ig_user_id") or ""
        return InstagramUploader(self.base_url, self.tokens, ig_user_id, public_url or public_url_resolver(root),
                                 account=self.account, **options)

    def get_conn(self):
        return self.uploader(None, public_url=lambda key: "")

    def test_connection(self) -> tuple[bool, str]:
        try:
            usage, total = self.get_conn().publishing_limit()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"publishing limit used {usage}/{total} in 24 h"
