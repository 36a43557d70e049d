"""The loop every factory trigger runs: look at a remote job every ``poll_seconds`` until it says a final
word, its deadline passes, or looking fails ``MAX_ERRORS`` times in a row.

A look is blocking HTTP through a hook, so it runs in a thread and the triggerer's event loop never
blocks. The deadline is wall-clock, fixed when the trigger is first made, so a triggerer restart does
not extend it. Subclasses say what a look is (:meth:`look`), which words end the wait (``finals``) and
what the task gets back besides ``status`` (:meth:`payload`).
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

MAX_ERRORS = 5   # looks in a row that fail (network, 5xx) before the task is resumed to decide


class PollingTrigger(BaseTrigger):
    """Fires ``{"status": <a final word> | "timeout" | "error", **payload()}``; ``timeout`` and ``error`` add
    ``reason``."""

    finals: tuple[str, ...] = ()

    def __init__(self, poll_seconds: float, timeout_seconds: float, deadline: float | None = None) -> None:
        super().__init__()
        self.poll_seconds = float(poll_seconds)
        self.timeout_seconds = float(timeout_seconds)
        self.deadline = deadline if deadline is not None else time.time() + self.timeout_seconds

    def look(self) -> str | None:
        """One blocking look: a word of ``finals``, or None (not yet)."""
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        """The ids the resumed task needs besides the status."""
        return {}

    def timing(self) -> dict[str, Any]:
        return {"poll_seconds": self.poll_seconds, "timeout_seconds": self.timeout_seconds, "deadline": self.deadline}

    def _event(self, status: str, **more: Any) -> TriggerEvent:
        return TriggerEvent({"status": status, **self.payload(), **more})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from acf.redaction import redact

        errors = 0
        while True:
            try:
                word = await asyncio.to_thread(self.look)
                errors = 0
            except Exception as exc:  # noqa: BLE001 - a failed look is retried; the task decides after MAX_ERRORS
                errors += 1
                reason = redact(f"{type(exc).__name__}: {exc}")
                self.log.warning("looking at %s failed (%d/%d): %s", self.payload(), errors, MAX_ERRORS, reason)
                if errors >= MAX_ERRORS:
                    yield self._event("error", reason=f"{MAX_ERRORS} looks failed in a row; the last: {reason}")
                    return
                word = None
            if word in self.finals:
                yield self._event(word)
                return
            if time.time() >= self.deadline:
                yield self._event("timeout", reason=f"not finished after {self.timeout_seconds:g} s")
                return
            await asyncio.sleep(self.poll_seconds)
