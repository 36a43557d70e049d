"""Wait on the triggerer while an image provider makes a scene's picture (a Leonardo generation:
``GET /generations/{id}`` until ``COMPLETE`` or ``FAILED``): no worker slot is held meanwhile.

Kwargs carry the provider's name and the job's ids only; each look builds the provider's hook from its
Connection (``hooks.configured``), as a worker would.
"""
from __future__ import annotations

from typing import Any

from triggers.polling import PollingTrigger


class ImageJobTrigger(PollingTrigger):
    """Fires ``{"status": "complete" | "failed" | "timeout" | "error", "provider", "job"}``."""

    finals = ("complete", "failed")

    def __init__(self, provider: str, job: dict[str, Any], poll_seconds: float = 2.0, timeout_seconds: float = 120.0,
                 deadline: float | None = None) -> None:
        super().__init__(poll_seconds, timeout_seconds, deadline)
        self.provider = provider
        self.job = dict(job)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("triggers.media.ImageJobTrigger", {"provider": self.provider, "job": self.job, **self.timing()})

    def payload(self) -> dict[str, Any]:
        return {"provider": self.provider, "job": self.job}

    def look(self) -> str | None:
        from hooks.configured import media_client

        client = media_client("image", self.provider)
        if client is None:
            raise LookupError(f"no Connection for image provider {self.provider!r}")
        return client.check_image(self.job)
