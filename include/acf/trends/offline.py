"""The bundled sample source: real API response shapes, replayed at the run's time.

``sample/<source>/<region>.json`` hold responses shaped exactly like each API's
(YouTube ``videos.list?chart=mostPopular``, Google Trends ``dailytrends`` as
pytrends receives it, X ``GET /2/trends/by/woeid/:woeid``, Reddit
``/r/popular/hot`` listing). The timestamps inside were recorded around
:data:`SAMPLE_ANCHOR`; replaying shifts them so the newest items look a few
hours old at the run's time, which keeps recency scoring meaningful offline.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

SAMPLE_DIR = Path(__file__).with_name("sample")
SAMPLE_ANCHOR = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


class SampleMissing(LookupError):
    """No bundled sample for this source and region."""


def sample_regions(source: str) -> list[str]:
    return sorted(p.stem for p in (SAMPLE_DIR / source).glob("*.json"))


def sample_payload(source: str, region: str, at: datetime) -> bytes:
    """The sample response of ``source`` for ``region`` as if fetched at ``at``."""
    path = SAMPLE_DIR / source / f"{region}.json"
    if not path.is_file():
        raise SampleMissing(f"no sample for {source}/{region}; bundled: {', '.join(sample_regions(source))}")
    document = json.loads(path.read_text(encoding="utf-8"))
    shift = at - SAMPLE_ANCHOR
    _SHIFTERS.get(source, lambda doc, delta: None)(document, shift)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _iso(value: str, delta: timedelta) -> str:
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
    return moved.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shift_youtube(doc: dict, delta: timedelta) -> None:
    for item in doc.get("items", []):
        snippet = item.get("snippet", {})
        if isinstance(snippet.get("publishedAt"), str):
            snippet["publishedAt"] = _iso(snippet["publishedAt"], delta)


def _shift_google_trends(doc: dict, delta: timedelta) -> None:
    for day in doc.get("default", {}).get("trendingSearchesDays", []):
        day["date"] = (datetime.strptime(day["date"], "%Y%m%d") + delta).strftime("%Y%m%d")


def _shift_reddit(doc: dict, delta: timedelta) -> None:
    for child in doc.get("data", {}).get("children", []):
        post = child.get("data", {})
        if isinstance(post.get("created_utc"), (int, float)):
            post["created_utc"] = float(int(post["created_utc"] + delta.total_seconds()))


_SHIFTERS = {"youtube": _shift_youtube, "google_trends": _shift_google_trends, "reddit": _shift_reddit}
