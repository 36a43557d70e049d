"""What the four publishing hooks share: the Connection, its base URL, account and tokens.

Each platform hook sets its class attributes, ``DEFAULT_BASE_URL``, ``account_extra``
(the extra naming the account when ``account`` is unset) and ``_refresher()``; the
token manager is shared per Connection in a process, so a refresh is done once.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection


class PlatformHook(BaseHook):
    conn_name_attr = "platform_conn_id"
    default_conn_name = ""
    DEFAULT_BASE_URL = ""
    account_extra: str | None = None

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name
        setattr(self, self.conn_name_attr, self.conn_id)

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.conn_id))

    @cached_property
    def base_url(self) -> str:
        host = self.connection.host or self.DEFAULT_BASE_URL
        return host if "://" in host else f"https://{host}"

    @property
    def account(self) -> str:
        extras = self.connection.extra_dejson
        return extras.get("account") or (self.account_extra and extras.get(self.account_extra)) or self.conn_id

    def _refresher(self):
        raise NotImplementedError

    def _connection_key(self) -> str:
        from acf.publishing.hook_support import connection_key

        conn = self.connection
        return connection_key(self.conn_id, conn.host, conn.login, conn.password, conn.extra)

    @cached_property
    def tokens(self):
        from acf.publishing.hook_support import shared_token_manager, token_from_extras
        from acf.publishing.http import TokenManager

        extras = self.connection.extra_dejson
        refresh = self._refresher()
        return shared_token_manager(
            self._connection_key(), lambda: TokenManager(token_from_extras(extras), refresh, account=self.account))

    def uploader(self, root: Any, **options: Any):
        """The publishing stage's Uploader for this account (see acf.publishing.publisher.Uploader)."""
        raise NotImplementedError

    def metrics_source(self):
        """An object with ``fetch_post_metrics(external_ids) -> {id: raw statistics}`` (acf_analytics)."""
        raise NotImplementedError

    def get_conn(self):
        return self.uploader(None)
