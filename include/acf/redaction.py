"""The one place secrets are masked before text reaches a log, an XCom, a row or an object.

Two layers: the credentials actually in use (hooks register their Connection's password
and secret-looking extras when they read it, and tokens when they refresh them), matched
by value, so a key a server echoes back in an error body is caught whatever its shape;
and shape rules for keys and tokens this process never saw (``sk-...``, ``Bearer ...``,
``key=...`` in URLs).
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET = 6
_SECRET_EXTRA = re.compile(r"(?i)(token|secret|password|passwd|key|bearer|credential|signature)")
_SHAPES = (
    (re.compile(r"(?i)\b(sk|gsk|sk-ant|sk-proj|pk|xai)[-_][A-Za-z0-9_\-*.]{6,}"), MASK),
    (re.compile(r"((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=%-]+", re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"(?i)((?:api[_-]?key|key|access_token|refresh_token|token|client_secret|signature|sig|"
                r"password|fb_exchange_token)=)[^&\s\"'<>]+"), r"\1" + MASK),
)
_known: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern | None = None


# Client-library loggers that write request lines, URLs or headers at DEBUG (a key in a URL,
# an Authorization header). Logger filters only see records of their own logger, so each is named.
LIBRARY_LOGGERS = (
    "urllib3.connectionpool", "googleapiclient.discovery", "googleapiclient.http", "googleapiclient.model",
    "tweepy.client", "tweepy.api", "prawcore", "prawcore.requestor", "praw", "httpx", "httpcore.http11",
    "openai._base_client", "anthropic._base_client", "groq._base_client", "requests_oauthlib.oauth2_session",
    "google_auth_httplib2", "google.auth.transport.requests", "pytrends.request",
)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through redact() before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is left to logging's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_filters(names: Iterable[str] = LIBRARY_LOGGERS) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def register(*values: object) -> None:
    """Mask these values (and their URL-encoded forms) wherever redact() runs in this process."""
    global _pattern
    install_log_filters()
    fresh = {v for v in (str(x) for x in values if x) if len(v) >= _MIN_SECRET} - _known
    if not fresh:
        return
    with _lock:
        for value in fresh:
            _known.update({value, quote(value, safe=""), quote_plus(value)})
        ordered = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))


def register_connection(conn) -> object:
    """Register a Connection's password and secret-looking extras; returns the Connection."""
    extras = getattr(conn, "extra_dejson", None) or {}
    register(getattr(conn, "password", None), *secret_extras(extras))
    return conn


def secret_extras(extras: Mapping) -> Iterable[str]:
    for name, value in extras.items():
        if _SECRET_EXTRA.search(str(name)) and isinstance(value, str):
            yield value


def redact(text: str | None) -> str | None:
    """``text`` with every registered secret and every key- or token-shaped string masked."""
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text
