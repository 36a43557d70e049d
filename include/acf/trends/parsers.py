"""Raw payloads, exactly as each API sends them, to TrendObservations.

Each source's item locator and item parser live in its module of
:mod:`acf.trends.sources`; the live hooks and the bundled sample set both go
through :func:`parse_payload`, so the offline default exercises the real parsing.
It never raises on bad data: an item a parser cannot read becomes a
:class:`Reject` with the reason, and a payload that is not the API's shape at all
becomes one Reject holding the payload text.
"""
from __future__ import annotations

import json
from datetime import datetime

from acf.trends import sources
from acf.trends.models import ParsedPayload, Reject
from acf.trends.sources.fields import ItemError

MAX_REJECT_TEXT = 1_000_000  # the full payload stays in the object store under raw_key


def parse_payload(
    source: str,
    payload: bytes | str,
    *,
    region: str,
    observed_at: datetime,
    raw_key: str | None = None,
) -> ParsedPayload:
    """Parse one raw payload of ``source`` for ``region`` observed at ``observed_at``."""
    trend_source = sources.registered().get(source)
    result = ParsedPayload()
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    if trend_source is None:
        result.rejects.append(Reject(source, region, f"unknown source {source!r}", text[:MAX_REJECT_TEXT], raw_key,
                                     whole_payload=True))
        return result
    try:
        body = _strip_xssi(text)
        document = trend_source.decode(body) if trend_source.decode is not None else json.loads(body)
        items = trend_source.items(document)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        reason = f"payload is not a {source} response: {type(exc).__name__}: {str(exc)[:200]}"
        result.rejects.append(Reject(source, region, reason, text[:MAX_REJECT_TEXT], raw_key, whole_payload=True))
        return result
    for item in items:
        try:
            obs = trend_source.parse(item, region, observed_at)
        except (ItemError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            result.rejects.append(Reject(source, region, f"unreadable {source} item: {exc}", item, raw_key))
            continue
        obs.raw_key = raw_key
        result.observations.append(obs)
    return result


def _strip_xssi(text: str) -> str:
    # Google prefixes JSON with ")]}'," against XSSI; pytrends trims it, we accept both.
    stripped = text.lstrip()
    if stripped.startswith(")]}'"):
        stripped = stripped[4:].lstrip(",\n\r ")
    return stripped
