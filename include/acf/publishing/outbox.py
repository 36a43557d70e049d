"""The offline publisher: each platform's final package, written to the object store.

``outbox/<platform>/<content_id>/`` gets ``video.mp4`` (a copy of the rendition),
``thumbnail.<ext>`` and ``metadata.json`` (what the platform's API would get).
``metadata.json`` is written last, so its presence means the package is complete;
that is also how a rerun finds it again instead of writing it twice.

A scheduled package is written at once with its ``scheduled_at`` in ``metadata.json``
(the outbox "holds" it, as YouTube and Facebook do): offline, nothing waits.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from acf import storage
from acf.publishing.models import PlatformPackage, UploadOutcome

ACCOUNT = "local"


def outbox_prefix(platform: str, content_id: str) -> str:
    return storage.key("outbox", platform, content_id)


def external_id(platform: str, content_id: str) -> str:
    return f"outbox-{platform}-{content_id}"


class OutboxUploader:
    native_schedule = {"min_ahead_seconds": 0}   # any time ahead: the time is written into metadata.json

    def __init__(self, root: Any, platform: str, account: str = ACCOUNT):
        self.root = root
        self.platform = platform
        self.account = account

    @staticmethod
    def _state(package: PlatformPackage) -> str:
        return "scheduled" if package.extra.get("scheduled_at") else "published"

    def _url(self, prefix: str) -> str:
        return str(self.root / prefix)

    def lookup(self, package: PlatformPackage, upload_state: dict, marker: str) -> UploadOutcome | None:
        prefix = outbox_prefix(self.platform, package.content_id)
        if storage.exists(self.root, f"{prefix}/metadata.json"):
            return UploadOutcome(self._state(package), external_id(self.platform, package.content_id), self._url(prefix))
        return None

    def upload(self, package: PlatformPackage, upload_state: dict, marker: str,
               checkpoint: Callable[[dict], None]) -> UploadOutcome:
        prefix = outbox_prefix(self.platform, package.content_id)
        scratch = storage.scratch_dir("acf-outbox-")
        video_src = storage.fetch_to_local(self.root, package.rendition_key, scratch)
        video = storage.put_file(self.root, f"{prefix}/video.mp4", video_src)
        files = {"video": {"key": video.key, "bytes": video.bytes, "sha256": video.checksum,
                           "source_key": package.rendition_key}}
        if package.thumbnail_key and storage.exists(self.root, package.thumbnail_key):
            ext = package.thumbnail_key.rsplit(".", 1)[-1].lower() if "." in package.thumbnail_key else "jpg"
            thumb = storage.put_bytes(self.root, f"{prefix}/thumbnail.{ext}",
                                      storage.get_bytes(self.root, package.thumbnail_key))
            files["thumbnail"] = {"key": thumb.key, "bytes": thumb.bytes, "sha256": thumb.checksum,
                                  "source_key": package.thumbnail_key}
        metadata = {
            "platform": self.platform,
            "account": self.account,
            "external_id": external_id(self.platform, package.content_id),
            "marker": marker,
            "written_at": datetime.now(timezone.utc).isoformat(),
            "scheduled_at": package.extra.get("scheduled_at"),   # when it is to go live; None = at once
            "package": asdict(package),
            "files": files,
        }
        storage.put_bytes(self.root, f"{prefix}/metadata.json",
                          json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8"))
        return UploadOutcome(self._state(package), metadata["external_id"], self._url(prefix))
