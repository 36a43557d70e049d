"""Wait on the triggerer while a platform processes a post (Instagram container ``status_code``, TikTok
``status/fetch``, Facebook video status): no worker slot is held, so renders and other uploads go on.

The trigger looks at the post every ``poll_seconds`` through the platform hook's uploader
(``check_processing``: ``ready``, ``failed`` or None), in a thread (:mod:`triggers.polling`). It reads the
platform's Connection itself (kwargs carry only the post's ids), and a token refresh there is shared
like a worker's (``hooks.platform_base``).
"""
from __future__ import annotations

from typing import Any

from triggers.polling import PollingTrigger


class PublishProcessingTrigger(PollingTrigger):
    """Fires ``{"status": "ready" | "failed" | "timeout" | "error", ...}`` for the post ``waiting_on`` names."""

    finals = ("ready", "failed")

    def __init__(self, platform: str, waiting_on: dict[str, Any], poll_seconds: float = 10.0,
                 timeout_seconds: float = 3600.0, deadline: float | None = None) -> None:
        super().__init__(poll_seconds, timeout_seconds, deadline)
        self.platform = platform
        self.waiting_on = dict(waiting_on)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("triggers.publishing.PublishProcessingTrigger",
                {"platform": self.platform, "waiting_on": self.waiting_on, **self.timing()})

    def payload(self) -> dict[str, Any]:
        return {"platform": self.platform, "waiting_on": self.waiting_on}

    def look(self) -> str | None:
        from hooks.configured import hook

        platform_hook = hook("platform", self.platform)
        if platform_hook is None:
            raise LookupError(f"no Connection for platform {self.platform!r}")
        return platform_hook.uploader(None, on_wait="return").check_processing(self.waiting_on)
