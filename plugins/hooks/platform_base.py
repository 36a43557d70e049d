"""What the four publishing hooks share: the Connection, its base URL, account and tokens.

Each platform hook sets its class attributes, ``DEFAULT_BASE_URL``, ``account_extra``
(the extra naming the account when ``account`` is unset) and ``_refresher()``; the
token manager is shared per Connection in a process, so a refresh is done once. When the
``acf_airflow_api`` Connection exists, a refresh is also written back to this Connection
under a PostgreSQL advisory lock per Connection (``hooks.airflow_api``), so every worker
uses the newest pair (TikTok rotates refresh tokens: a spent one is refused).
"""
from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook
from acf.redaction import register_connection

log = logging.getLogger(__name__)


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
            self._connection_key(),
            lambda: TokenManager(token_from_extras(extras), refresh, account=self.account, **self._token_sharing()))

    def _token_sharing(self) -> dict:
        """``store`` and ``lock`` for the token manager: the Connection itself, under an advisory lock in the
        factory database; none (this process only) without the ``acf_airflow_api`` Connection."""
        from hooks.airflow_api import AirflowApiHook, ConnectionTokenStore
        from hooks.configured import configured

        api = configured(AirflowApiHook)
        if api is None:
            log.warning("%s: no %s Connection: refreshed tokens stay in this process (a platform that rotates"
                        " refresh tokens, TikTok, then needs re-authorising once another worker refreshes)",
                        self.conn_id, AirflowApiHook.default_conn_name)
            return {}

        def lock():
            from acf.publishing.hook_support import advisory_lock
            from hooks.factory_db import FactoryDbHook

            return advisory_lock(FactoryDbHook().get_conn, f"acf.token:{self.conn_id}")

        return {"store": ConnectionTokenStore(self.conn_id, api), "lock": lock}

    @property
    def timezone(self) -> str | None:
        """The account's time zone for posting windows (the ``timezone`` extra), if given."""
        return self.connection.extra_dejson.get("timezone") or None

    def uploader(self, root: Any, **options: Any):
        """The publishing stage's Uploader for this account (see acf.publishing.publisher.Uploader)."""
        raise NotImplementedError

    def metrics_source(self):
        """An object with ``fetch_post_metrics(external_ids) -> {id: raw statistics}`` (acf_analytics)."""
        raise NotImplementedError

    def get_conn(self):
        return self.uploader(None)
