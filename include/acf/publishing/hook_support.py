"""Small pieces the platform hooks share (no Airflow here): tokens from extras, media access."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from acf import storage
from acf.publishing.errors import NotPublishableError
from acf.publishing.http import Token


TOKEN_FIELDS = ("access_token", "refresh_token", "token_expires_at")   # the extras a Connection keeps them in


def token_extras(token: Token) -> dict:
    """The Connection extras that hold ``token`` (the inverse of :func:`token_from_extras`)."""
    return {"access_token": token.access_token, "refresh_token": token.refresh_token or "",
            "token_expires_at": token.expires_at.isoformat() if token.expires_at else ""}


def token_from_extras(extras: dict, access_field: str = "access_token") -> Token:
    expires = extras.get("token_expires_at")
    expires_at = None
    if expires:
        expires_at = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
    return Token(extras.get(access_field) or "", expires_at, extras.get("refresh_token") or None)


_TOKEN_MANAGERS: dict[str, object] = {}
_TOKEN_LOCK = threading.Lock()


def shared_token_manager(key: str, make: Callable[[], object]):
    """One TokenManager per Connection per worker process, so a refreshed token is reused, not refreshed again.

    A refreshed token is written back to the Connection when the hook gives its manager a store
    (``hooks.connection_store``); it is never written to logs, XComs, the factory database or the
    object store.
    """
    with _TOKEN_LOCK:
        if key not in _TOKEN_MANAGERS:
            _TOKEN_MANAGERS[key] = make()
        return _TOKEN_MANAGERS[key]


@contextmanager
def advisory_lock(connect: Callable[[], Any], key: str, timeout: float = 120.0, poll: float = 0.2):
    """A PostgreSQL session advisory lock on ``key`` across processes and machines (the factory database):
    held while one worker refreshes an account's tokens, so another waits and then reads what it wrote.
    Dies with the connection, so a killed worker never leaves it held."""
    import time

    from acf.publishing.errors import TransientPublishError

    conn = connect()
    try:
        conn.autocommit = True
        deadline = time.monotonic() + timeout
        while not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise TransientPublishError(f"waited {timeout:.0f} s for the lock {key!r}")
            time.sleep(poll)
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
    finally:
        conn.close()


def connection_key(conn_id: str, *parts: object) -> str:
    """A cache key for a Connection's token state: its id and a hash of its settings (secrets never kept)."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]
    return f"{conn_id}:{digest}"


def media_file_resolver(root: Any) -> Callable[[str], Path]:
    """``key -> local Path`` (the file itself on file://, a scratch copy from S3)."""
    scratch: list[Path] = []

    def resolve(object_key: str) -> Path:
        if not scratch:
            scratch.append(storage.scratch_dir("acf-publish-"))
        return storage.fetch_to_local(root, object_key, scratch[0])

    return resolve


def public_url_resolver(root: Any, expires_seconds: int = 3600) -> Callable[[str], str]:
    """``key -> URL`` a platform can fetch: a presigned URL on S3; a local store has none.

    The URL expires within the hour: Instagram fetches the video when the container is created,
    and a leaked link should not stay usable.
    """
    if not 0 < expires_seconds <= 3600:
        raise ValueError(f"presigned URLs expire within an hour, not {expires_seconds} s")

    def resolve(object_key: str) -> str:
        target = root / object_key
        fs = getattr(target, "fs", None)
        protocol = getattr(target, "protocol", "file")
        if fs is None or protocol in ("file", "local", ""):
            raise NotPublishableError(
                "this platform fetches the video from a public URL; the object store is local."
                " Use an s3:// ACF_OBJECT_STORE (presigned URLs) for Instagram")
        return fs.url(target.path, expires=expires_seconds)

    return resolve
