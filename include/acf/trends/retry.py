"""The trend sources' one retry policy: a few tries, exponential backoff, Retry-After honoured.

Each hook says which of its client library's exceptions are worth another try
and what Retry-After they carry (``classify``); the policy is the same for all.
A wait longer than ``max_wait`` is not slept through: the source is
*unavailable* for this run and the next run tries again. Messages are redacted
(no API keys or tokens).
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from acf.redaction import redact as _redact

log = logging.getLogger(__name__)
T = TypeVar("T")

TRIES = 3
BASE_DELAY = 0.5
MAX_WAIT = 30.0


class SourceUnavailable(RuntimeError):
    """A source could not be fetched this run (rate limit, outage, bad answer); the others go on."""


class SourceRefused(SourceUnavailable):
    """The source refused the credentials or the access (401, 403): another try will not help, the
    Connection needs fixing. Still *unavailable* for the run, so the other sources go on."""


class QuotaExceeded(SourceUnavailable):
    """The source's quota for the period is spent (YouTube's ``quotaExceeded``): nothing more is asked of
    that bucket until it resets."""


def redact(message: str) -> str:
    """Strip API keys and tokens from a message before it reaches a log, XCom or row."""
    return _redact(message)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds; HTTP dates are treated as unknown)."""
    if value is None:
        return None
    try:
        return max(0.0, float(str(value).strip()))
    except ValueError:
        return None


def call_with_retries(
    fn: Callable[[], T],
    *,
    what: str,
    classify: Callable[[BaseException], tuple[bool, float | None]],
    tries: int = TRIES,
    base_delay: float = BASE_DELAY,
    max_wait: float = MAX_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; retry what ``classify`` calls retryable; raise SourceUnavailable when done trying."""
    for attempt in range(1, tries + 1):
        try:
            return fn()
        except SourceUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below, never swallowed
            retryable, retry_after = classify(exc)
            message = redact(f"{what}: {type(exc).__name__}: {exc}")[:400]
            if not retryable:
                raise SourceUnavailable(message) from None
            if retry_after is not None and retry_after > max_wait:
                raise SourceUnavailable(f"{message} (asked to retry after {retry_after:.0f} s)") from None
            if attempt == tries:
                raise SourceUnavailable(f"{message} (after {tries} tries)") from None
            delay = retry_after if retry_after is not None else base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
            log.warning("%s failed (try %d/%d), retrying in %.1f s: %s", what, attempt, tries, delay, message)
            sleep(min(delay, max_wait))
    raise SourceUnavailable(f"{what}: no answer")  # pragma: no cover - the loop always returns or raises
