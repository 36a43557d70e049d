"""The platform HTTP client of the publishing stage: one retry policy, one token policy.

- 429 with ``Retry-After``: wait when the wait is short, else raise
  :class:`QuotaExceededError` with the time to come back (the post is deferred).
- 5xx and cut connections: retried with exponential backoff, then
  :class:`TransientPublishError` (the task's retry resumes from saved state).
- Tokens are refreshed *before* they expire; a 401 forces one refresh and one
  retry; a refresh that fails raises :class:`NeedsReauthError` at once (no
  blind retries). Tokens never appear in messages.
- With a :class:`TokenStore` (the Connection) and a cross-process lock, a refresh
  is written back, so every worker uses the newest pair: under the lock the
  stored pair is read again, adopted when another worker already refreshed it,
  refreshed (from the newest refresh token) and written back otherwise. TikTok
  rotates refresh tokens: a spent one is refused, so the pair must never be lost.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import requests

from acf.redaction import redact, register

log = logging.getLogger(__name__)
from acf.publishing.errors import NeedsReauthError, PermanentPublishError, QuotaExceededError, TransientPublishError

REFRESH_SKEW = timedelta(minutes=5)


@dataclass
class Token:
    access_token: str
    expires_at: datetime | None = None
    refresh_token: str | None = None


class TokenStore(Protocol):
    """Where an account's tokens live between processes (the Airflow Connection): read fresh, write back."""

    def read(self) -> Token: ...

    def write(self, token: Token) -> None: ...


class TokenManager:
    """Holds an OAuth token and refreshes it ahead of expiry with ``refresh(token) -> Token``.

    ``store`` and ``lock`` (a context manager factory held across processes, e.g. a PostgreSQL
    advisory lock per Connection) make refreshes shared: see the module docstring.
    """

    def __init__(self, token: Token, refresh: Callable[[Token], Token] | None, account: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 store: TokenStore | None = None,
                 lock: Callable[[], AbstractContextManager] | None = None):
        self.token = token
        register(token.access_token, token.refresh_token)
        self._refresh = refresh
        self.account = account
        self.clock = clock
        self.store = store
        self.shared_lock = lock or nullcontext
        self._lock = threading.Lock()
        self.refreshes = 0      # refreshes this manager made (an adopted pair is not one)

    def _expiring(self, token: Token) -> bool:
        return token.expires_at is not None and self.clock() >= token.expires_at - REFRESH_SKEW

    def current(self) -> str:
        with self._lock:
            if self._expiring(self.token):
                self._do_refresh("expires soon", self.token.access_token)
            return self.token.access_token

    def force_refresh(self, stale: str) -> str:
        with self._lock:
            if self.token.access_token == stale:  # another thread may have refreshed already
                self._do_refresh("rejected by the platform", stale)
            return self.token.access_token

    def _do_refresh(self, why: str, stale: str) -> None:
        if self._refresh is None:
            raise NeedsReauthError(f"{self.account}: access token {why} and no refresh is configured;"
                                   " re-authorise the Connection")
        try:
            if self.store is None:
                self.token = self._refresh(self.token)
            else:
                with self.shared_lock():
                    stored = self.store.read()
                    register(stored.access_token, stored.refresh_token)
                    if stored.access_token and stored.access_token != stale and not self._expiring(stored):
                        self.token = stored          # another worker refreshed it: use theirs
                        return
                    fresh = self._refresh(stored if stored.refresh_token else self.token)
                    register(fresh.access_token, fresh.refresh_token)
                    self.token = fresh
                    self._save(fresh)                # before anyone else can refresh with the spent token
            register(self.token.access_token, self.token.refresh_token)
        except NeedsReauthError:
            raise
        except Exception as exc:  # noqa: BLE001 - any refresh failure needs a person
            raise NeedsReauthError(f"{self.account}: token refresh failed ({type(exc).__name__}); "
                                   "re-authorise the Connection") from None
        self.refreshes += 1

    def _save(self, fresh: Token, tries: int = 3) -> None:
        """Write the new pair back; if the store stays unreachable, keep using it here and say what is at risk."""
        for attempt in range(1, tries + 1):
            try:
                self.store.write(fresh)
                return
            except Exception as exc:  # noqa: BLE001 - reported below, never with the token
                if attempt == tries:
                    log.error("%s: refreshed tokens could not be saved to the Connection (%s); this worker uses"
                              " them, others will need the account re-authorised if the platform rotated the"
                              " refresh token", self.account, redact(f"{type(exc).__name__}: {exc}"))
                    return
                time.sleep(0.5 * attempt)


class ApiClient:
    """requests.Session with the retry and token policy; ``call`` returns parsed JSON."""

    def __init__(self, base_url: str, tokens: TokenManager | None = None, *, platform: str,
                 max_tries: int = 5, backoff: float = 0.5, max_wait: float = 30.0, timeout: float = 60.0,
                 auth_style: str = "bearer", sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.platform = platform
        self.max_tries = max_tries
        self.backoff = backoff
        self.max_wait = max_wait
        self.timeout = timeout
        self.auth_style = auth_style  # bearer header, or access_token query parameter (Graph API)
        self.sleep = sleep
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, authed: bool = True, ok=(200, 201), retry: bool = True,
                **kwargs: Any) -> requests.Response:
        """One call with the policy. ``retry=False`` for a call that publishes: a lost answer is then
        reconciled by looking the post up, never by sending it again."""
        refreshed = False
        # The caller's own headers and parameters, kept whole for every try: only the token this client adds
        # is renewed (a caller's header may carry a credential of its own, as Facebook's rupload does).
        caller_headers = dict(kwargs.pop("headers", None) or {})
        caller_params = dict(kwargs.pop("params", None) or {})
        for attempt in range(1, self.max_tries + 1):
            headers, params = dict(caller_headers), dict(caller_params)
            token = None
            if authed and self.tokens is not None:
                token = self.tokens.current()
                if self.auth_style == "bearer":
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    params["access_token"] = token
            try:
                response = self.session.request(method, self.url(path), headers=headers, params=params,
                                                timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt == self.max_tries or not retry:
                    raise TransientPublishError(f"{self.platform} {method} {path}: {type(exc).__name__}") from None
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if response.status_code in ok or (ok is None and response.status_code < 400):
                return response
            kind = self.classify(response)
            if kind == "auth" and authed and self.tokens is not None and not refreshed:
                refreshed = True
                self.tokens.force_refresh(token)
                continue
            if kind == "auth":
                raise NeedsReauthError(f"{self.platform}: the platform rejects the account's token even after a"
                                       " refresh; re-authorise the Connection")
            if kind == "rate":
                wait = _retry_after(response)
                if wait is None or wait > self.max_wait or attempt == self.max_tries:
                    raise QuotaExceededError(
                        f"{self.platform} rate limit on {path}",
                        datetime.now(timezone.utc) + timedelta(seconds=wait if wait is not None else 60),
                        "platform")
                self.sleep(wait)
                continue
            if response.status_code >= 500:
                if attempt == self.max_tries or not retry:
                    raise TransientPublishError(f"{self.platform} {method} {path}: HTTP {response.status_code}")
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            return self.refuse(response, method, path)
        raise TransientPublishError(f"{self.platform} {method} {path}: gave up after {self.max_tries} tries")

    def classify(self, response: requests.Response) -> str | None:
        """"auth" (token rejected), "rate" (rate or quota limit) or None; platforms with their own codes override."""
        if response.status_code == 401:
            return "auth"
        if response.status_code == 429:
            return "rate"
        return None

    def refuse(self, response: requests.Response, method: str, path: str):
        """A 4xx other than 401/429: the platform will not take it as it is."""
        raise PermanentPublishError(redact(f"{self.platform} {method} {path}: HTTP {response.status_code}: "
                                           f"{response.text[:300]}"))

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise TransientPublishError(f"{self.platform} {method} {path}: malformed answer") from None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
