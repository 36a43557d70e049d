"""The bundled sample source: real API response shapes, replayed at the run's time.

Each source's sample folder (``TrendSource.samples``; the built-ins' are
``sample/<source>/``) holds one ``<region>.json`` shaped exactly like that API's
answer (see ``sample/README.md``). The timestamps inside were recorded around
:data:`SAMPLE_ANCHOR`; replaying shifts them with the source's ``shift_sample`` so the
newest items look a few hours old at the run's time, which keeps recency scoring
meaningful offline.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from acf.trends import sources

SAMPLE_ANCHOR = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


class SampleMissing(LookupError):
    """No bundled sample for this source and region (or feed)."""


def sample_regions(source: str) -> list[str]:
    folder = sources.get(source).samples
    return sorted({p.stem for p in (*folder.glob("*.json"), *folder.glob("*.xml"))})


def sample_payload(source: str, region: str, at: datetime) -> bytes:
    """The sample response of ``source`` for ``region`` as if fetched at ``at``."""
    trend_source = sources.get(source)
    path = trend_source.samples / f"{region}.json"
    if not path.is_file() and (trend_source.samples / f"{region}.xml").is_file():
        text = (trend_source.samples / f"{region}.xml").read_text(encoding="utf-8")  # a feed, sent as recorded
        if trend_source.shift_sample is not None:
            text = trend_source.shift_sample(text, at - SAMPLE_ANCHOR)
        return text.encode("utf-8")
    if not path.is_file():
        raise SampleMissing(f"no sample for {source}/{region}; bundled: {', '.join(sample_regions(source))}")
    document = json.loads(path.read_text(encoding="utf-8"))
    if trend_source.shift_sample is not None:
        trend_source.shift_sample(document, at - SAMPLE_ANCHOR)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def sample_feed(source: str, feed: str, at: datetime) -> bytes:
    """The sample response of the named feed ``feed`` of ``source`` (a subreddit of Reddit) at ``at``."""
    trend_source = sources.get(source)
    if trend_source.sample_feed is None:
        raise SampleMissing(f"{source} has no sample feeds (asked for {feed!r})")
    return trend_source.sample_feed(feed, at)


def sample_extra(source: str, name: str) -> dict:
    """A source's answers beyond its regions' lists (``evidence/<name>.json`` in its sample folder: Reddit's
    comments, X's recent-search posts, the videos YouTube's search finds)."""
    path = sources.get(source).samples / "evidence" / f"{name}.json"
    if not path.is_file():
        raise SampleMissing(f"no {name} sample for {source}")
    return json.loads(path.read_text(encoding="utf-8"))


def query_matches(query: str, text: str) -> bool:
    """Whether every topic word of a search ``query`` (quotes and operators such as ``-is:retweet`` left
    out) is in ``text``: how a sample answers a search."""
    from acf.trends.terms import tokens

    words = " ".join(w for w in query.replace('"', " ").split() if ":" not in w and not w.startswith("-"))
    wanted = set(tokens(words))
    return bool(wanted) and wanted <= set(tokens(text))


def shift_iso(value: str, delta: timedelta) -> str:
    """An ISO 8601 UTC time (``...Z``) moved by ``delta``, for a source's ``shift_sample``."""
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
    return moved.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
