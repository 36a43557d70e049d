"""The HTTP policy of the media providers: one requests.Session with urllib3 retries.

429 and 5xx are retried with exponential backoff, honouring ``Retry-After``
(capped); connection errors and cut reads are retried too. Anything still
failing raises :class:`ProviderError`, and the tier chain moves to the next
provider (``local`` ends every chain). API keys are sent as headers and never
appear in messages.
"""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from acf.redaction import redact


class ProviderError(RuntimeError):
    """A media provider failed after its retries (or answered something unusable)."""


def session(max_retries: int = 3, backoff: float = 0.5, max_wait: float = 30.0) -> requests.Session:
    retry = Retry(
        total=max_retries, connect=max_retries, read=max_retries, status=max_retries,
        status_forcelist=(429, 500, 502, 503, 504), allowed_methods=None, backoff_factor=backoff,
        backoff_max=max_wait, respect_retry_after_header=True, raise_on_status=False,
    )
    http = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


def checked(response: requests.Response, what: str) -> requests.Response:
    if response.status_code >= 400:
        raise ProviderError(redact(f"{what}: HTTP {response.status_code}: {response.text[:200]}"))
    return response


def base_url(host: str | None, default: str) -> str:
    if not host:
        return default
    return (host if "://" in host else f"https://{host}").rstrip("/")


def call(http: requests.Session, method: str, url: str, what: str, *, tries: int = 3, backoff: float = 0.5,
         **kwargs) -> requests.Response:
    """One request with the body read inside the retry: a connection cut mid-body is retried too."""
    import time

    for attempt in range(1, tries + 1):
        try:
            response = http.request(method, url, **kwargs)
            response.content  # read it all here, so a cut body is caught and retried
            return checked(response, what)
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            if attempt == tries:
                raise ProviderError(f"{what}: {type(exc).__name__} after {tries} tries") from None
            time.sleep(backoff * 2 ** (attempt - 1))
    raise ProviderError(f"{what}: no answer")
