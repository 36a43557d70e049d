"""Errors of the publishing stage, each telling the ledger what to do next."""
from __future__ import annotations

from datetime import datetime


class PublishError(RuntimeError):
    """Base class."""


class NotPublishableError(PublishError):
    """The content cannot go to this platform as it is (no fitting rendition, too long...)."""


class TransientPublishError(PublishError):
    """Try again later (network cut, 5xx after retries); the upload resumes from its saved state."""


class PermanentPublishError(PublishError):
    """The platform refused the post for a reason a retry will not change."""


class QuotaExceededError(PublishError):
    """The platform's quota or rate limit is used up until ``retry_at``: defer, do not fail."""

    def __init__(self, message: str, retry_at: datetime, bucket: str = "platform"):
        super().__init__(message)
        self.retry_at = retry_at
        self.bucket = bucket


class NeedsReauthError(PublishError):
    """The account's token cannot be refreshed: a person must re-authorise the Connection."""
