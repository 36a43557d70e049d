"""YouTube upload hook (OAuth): resumable videos.insert and thumbnails.set via google-api-python-client.

Separate from ``hooks.youtube`` (the read-only Data API key used for trends):
uploading needs a channel's OAuth consent, a different Connection type.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from hooks.platform_base import PlatformHook
from acf.redaction import redact

DEFAULT_ROOT = "https://youtube.googleapis.com/"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"


class YouTubePublishHook(PlatformHook):
    """Connection: host = API root URL, login = OAuth client id, password = client secret,
    extras: access_token, refresh_token, token_expires_at (ISO), token_uri, account, chunk_size."""

    conn_name_attr = "youtube_upload_conn_id"
    default_conn_name = "acf_youtube_upload"
    conn_type = "acf_youtube_upload"
    hook_name = "YouTube upload, OAuth (AI Content Factory)"
    DEFAULT_BASE_URL = DEFAULT_ROOT

    @cached_property
    def credentials(self):
        from acf.publishing.hook_support import shared_token_manager
        from acf.publishing.youtube_api import credentials_from

        conn = self.connection
        extras = conn.extra_dejson
        # google-auth refreshes these credentials in place; one object per Connection per process reuses that.
        return shared_token_manager(
            self._connection_key(),
            lambda: credentials_from(extras, conn.login or "", conn.password or "",
                                     extras.get("token_uri") or DEFAULT_TOKEN_URI))

    @cached_property
    def client(self):
        """(service, authorized http): the youtube v3 client and the transport it uses."""
        from acf.publishing.youtube_api import build_service

        return build_service(self.base_url, self.credentials)

    def get_conn(self):
        return self.client[0]

    def uploader(self, root: Any, **options: Any):
        from acf.publishing.hook_support import media_file_resolver
        from acf.publishing.youtube_api import YouTubeUploader

        extras = self.connection.extra_dejson
        if extras.get("chunk_size"):
            options.setdefault("chunk_size", int(extras["chunk_size"]))
        options.setdefault("timezone", self.timezone)
        options.pop("on_wait", None)   # an upload ends when its bytes are in: nothing to wait for
        service, http = self.client
        return YouTubeUploader(service, http, media_file_resolver(root), account=self.account, **options)

    def metrics_source(self):
        """videos.list statistics through the same service (needs a youtube.readonly scope too)."""
        from acf.analytics.platform_metrics import YouTubeStatistics

        return YouTubeStatistics(self.get_conn())

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.get_conn().search().list(part="id", forMine=True, type="video", maxResults=1).execute()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, "upload credentials accepted"
