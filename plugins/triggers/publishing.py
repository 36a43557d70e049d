"""Wait on the triggerer while a platform processes a post (Instagram container ``status_code``, TikTok
``status/fetch``, Facebook video status): no worker slot is held, so renders and other uploads go on.

The trigger looks at the post every ``poll_seconds`` through the platform hook's uploader
(``check_processing``: ``ready``, ``failed`` or None), in a thread so the triggerer's event loop never
blocks on HTTP. It reads the platform's Connection itself (kwargs carry only the post's ids), and a
token refresh there is shared like a worker's (``hooks.platform_base``).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

MAX_ERRORS = 5   # looks in a row that fail (network, 5xx) before the task is resumed to decide


class PublishProcessingTrigger(BaseTrigger):
    """Fires ``{"status": "ready" | "failed" | "timeout" | "error", ...}`` for the post ``waiting_on`` names."""

    def __init__(self, platform: str, waiting_on: dict[str, Any], poll_seconds: float = 10.0,
                 timeout_seconds: float = 3600.0, deadline: float | None = None) -> None:
        super().__init__()
        self.platform = platform
        self.waiting_on = dict(waiting_on)
        self.poll_seconds = float(poll_seconds)
        self.timeout_seconds = float(timeout_seconds)
        # Wall-clock deadline, fixed at the first serialisation so a triggerer restart does not extend it.
        self.deadline = deadline if deadline is not None else time.time() + self.timeout_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("triggers.publishing.PublishProcessingTrigger", {
            "platform": self.platform, "waiting_on": self.waiting_on, "poll_seconds": self.poll_seconds,
            "timeout_seconds": self.timeout_seconds, "deadline": self.deadline})

    def _look(self) -> str | None:
        from hooks.configured import hook

        platform_hook = hook("platform", self.platform)
        if platform_hook is None:
            raise LookupError(f"no Connection for platform {self.platform!r}")
        return platform_hook.uploader(None, on_wait="return").check_processing(self.waiting_on)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        errors = 0
        while True:
            try:
                word = await asyncio.to_thread(self._look)
                errors = 0
            except Exception as exc:  # noqa: BLE001 - a failed look is retried; the task decides after MAX_ERRORS
                from acf.redaction import redact

                errors += 1
                self.log.warning("%s: looking at %s failed (%d/%d): %s", self.platform, self.waiting_on, errors,
                                 MAX_ERRORS, redact(f"{type(exc).__name__}: {exc}"))
                if errors >= MAX_ERRORS:
                    yield TriggerEvent({"status": "error", "platform": self.platform, "waiting_on": self.waiting_on})
                    return
                word = None
            if word in ("ready", "failed"):
                yield TriggerEvent({"status": word, "platform": self.platform, "waiting_on": self.waiting_on})
                return
            if time.time() >= self.deadline:
                yield TriggerEvent({"status": "timeout", "platform": self.platform, "waiting_on": self.waiting_on})
                return
            await asyncio.sleep(self.poll_seconds)
