"""Facebook Page hook: reels and page videos uploaded in start/transfer/finish phases."""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"


class FacebookHook(BaseHook):
    """Connection: host = Graph API base URL, login = app id, password = app secret,
    extras: access_token (page token), token_expires_at, page_id, account, chunk_size."""

    conn_name_attr = "facebook_conn_id"
    default_conn_name = "acf_facebook"
    conn_type = "acf_facebook"
    hook_name = "Facebook Page (AI Content Factory)"

    def __init__(self, facebook_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.facebook_conn_id = facebook_conn_id

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
        return self.get_connection(self.facebook_conn_id)

    @cached_property
    def base_url(self) -> str:
        host = self.connection.host or DEFAULT_BASE_URL
        return host if "://" in host else f"https://{host}"

    @property
    def account(self) -> str:
        extras = self.connection.extra_dejson
        return extras.get("account") or extras.get("page_id") or self.facebook_conn_id

    @cached_property
    def tokens(self):
        from acf.publishing.graph import refresher
        from acf.publishing.hook_support import token_from_extras
        from acf.publishing.http import TokenManager

        from acf.publishing.hook_support import connection_key, shared_token_manager

        conn = self.connection
        return shared_token_manager(
            connection_key(self.facebook_conn_id, conn.host, conn.login, conn.password, conn.extra),
            lambda: TokenManager(token_from_extras(conn.extra_dejson),
                                 refresher(self.base_url, conn.login or "", conn.password or ""), account=self.account))

    def uploader(self, root: Any, **options: Any):
        from acf.publishing.facebook_api import FacebookUploader
        from acf.publishing.hook_support import media_file_resolver

        extras = self.connection.extra_dejson
        if extras.get("chunk_size"):
            options.setdefault("chunk_size", int(extras["chunk_size"]))
        return FacebookUploader(self.base_url, self.tokens, extras.get("page_id") or "", media_file_resolver(root),
                                account=self.account, **options)

    def get_conn(self):
        return self.uploader(None)

    def test_connection(self) -> tuple[bool, str]:
        try:
            up = self.get_conn()
            page = up.api.call("GET", f"/{up.page_id}", params={"fields": "id,name"})
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"page {page.get('name') or page.get('id')}"
