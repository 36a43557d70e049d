"""The bundled sample source: real API response shapes, replayed at the run's time.

``sample/<source>/<region>.json`` hold responses shaped exactly like each API's
(YouTube ``videos.list?chart=mostPopular``, Google Trends ``dailytrends`` as
pytrends receives it, X ``GET /2/trends/by/woeid/:woeid``, Reddit
``/r/popular/hot`` listing). The timestamps inside were recorded around
:data:`SAMPLE_ANCHOR`; replaying shifts them so the newest items look a few
hours old at the run's time, which keeps recency scoring meaningful offline.
"""
from __future__ import annotations

import hashlib
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


def sample_feed(subreddit: str, at: datetime) -> bytes:
    """A subreddit's hot listing: the sample's posts from that subreddit, across regions, newest first."""
    posts: dict[str, dict] = {}
    for region in sample_regions("reddit"):
        listing = json.loads(sample_payload("reddit", region, at))
        for child in listing["data"]["children"]:
            post = child.get("data", {})
            if str(post.get("subreddit", "")).lower() == subreddit.lower() and "id" in post:
                posts.setdefault(str(post["id"]), child)
    children = sorted(posts.values(), key=lambda c: -float(c["data"].get("created_utc") or 0))
    return json.dumps({"kind": "Listing", "data": {"after": None, "before": None, "dist": len(children),
                                                  "children": children}}, ensure_ascii=False).encode("utf-8")


def sample_x_counts(names: list[str], at: datetime) -> bytes:
    """Recent-search counts for trend names, shaped like X's answers, stable per name and day."""
    day = at.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    document = {}
    for name in names:
        seed = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
        base = 2_000 + seed % 80_000
        buckets = []
        for back in range(7, 0, -1):  # rising towards today, as a trend does
            start = day - timedelta(days=back - 1)
            count = base * (8 - back) // 4 + (seed >> back) % 500
            buckets.append({"start": _stamp(start), "end": _stamp(start + timedelta(days=1)), "tweet_count": count})
        document[name] = {"data": buckets, "meta": {"total_tweet_count": sum(b["tweet_count"] for b in buckets)}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def sample_gt_interest(terms: list[str], at: datetime) -> bytes:
    """Interest over the last seven days for up to five terms, shaped like the explore page's answer."""
    terms = terms[:5]
    hour = at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    seeds = [int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:4], "big") for t in terms]
    timeline = []
    for back in range(168, 0, -1):  # hourly, oldest first; the newest hour is still partial
        moment = hour - timedelta(hours=back - 1)
        values = [min(100, (seed % 40) + (168 - back) * (1 + seed % 3) // 6) for seed in seeds]
        point = {"time": str(int(moment.timestamp())), "formattedTime": moment.strftime("%b %d, %Y at %I:%M %p"),
                 "formattedAxisTime": moment.strftime("%b %d at %I:%M %p"), "value": values,
                 "hasData": [True] * len(terms), "formattedValue": [str(v) for v in values]}
        if back == 1:
            point["isPartial"] = True
        timeline.append(point)
    response = {"default": {"timelineData": timeline, "averages": []}}
    return json.dumps({"terms": terms, "timeframe": "now 7-d", "response": response},
                      ensure_ascii=False).encode("utf-8")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


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
