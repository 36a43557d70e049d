"""Evidence of what a trend is about: what the sources said, as rows of ``acf.trend_evidence``.

    found = from_observations(valid)               # at load time: news items, posts, videos of the items
    kept, refused = screen(collapse(found))        # the injection guard and brand safety read every text
    upsert(conn, kept, seen_at=...)                # one row per trend and evidence; a repeat updates it

Each source says what its items hold (``TrendSource.evidence``: Google Trends' news items, a Reddit post,
a YouTube video); the answers fetched for the top trends afterwards (Reddit comments, X posts, see
:mod:`acf.trends.more_evidence`) become :class:`Evidence` through the readers at the end of this module.
Text is data: stored verbatim (cut at :data:`MAX_TEXT`), text that reads like instructions to a model is
quarantined with the reason (never stored here, never silently dropped), text brand safety would skip is
stored with its reason in ``flag`` and never cited. The same words about the same trend (another region,
another run, a syndicated headline, a retweet) are one row: the id is a hash of the kind and the
normalised text, and a repeat refreshes the row's counts and ``last_seen``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from acf.ids import normalise_text, stable_id
from acf.trends import load as loader
from acf.trends import sources
from acf.trends.sources.fields import read_iso_time

STAGE = "trends.evidence"
KINDS = ("news", "post", "comment", "video", "x_post")
MAX_TEXT = 1_000          # characters of an evidence's text
MAX_NAME = 200            # characters of a publisher or author
MAX_URL = 2_048
MAX_PER_TREND_SOURCE = 20  # items of one source read per trend and load: the most engaging sightings
# A load reads the evidence of its best-scored trends, as many as acf_opportunities weighs each run (its
# score_trends reads the 500 best); a trend below them gets its evidence from a later load that ranks it
# higher, and a brief can still read its items' own (acf.trends.evidence.from_rows).
MAX_TRENDS = 500
COLUMNS = ("trend_id", "evidence_id", "kind", "source", "text", "publisher", "author", "url", "published_at",
           "metrics", "item_id", "parent_id", "region", "raw_key", "flag", "first_seen", "last_seen")


@dataclass
class Evidence:
    """One thing a source said about a trend: a headline, a post, a comment, a video, a post on X."""

    kind: str
    source: str
    text: str
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    metrics: dict = field(default_factory=dict)
    item_id: str | None = None
    parent_id: str | None = None
    region: str | None = None
    raw_key: str | None = None
    trend_id: str | None = None
    flag: str | None = None

    @cached_property
    def evidence_id(self) -> str:
        return evidence_id(self.kind, self.text)


def evidence_id(kind: str, text: str) -> str:
    return stable_id("ev", kind, normalise_text(text)[:300])


def _bounded(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return loader.storable(value.strip()[:limit])


def make(kind: str, source: str, text: Any, **fields: Any) -> Evidence | None:
    """An Evidence with its sizes bounded (text cut at MAX_TEXT: ``metrics.truncated``); None without text."""
    if not isinstance(text, str) or not text.strip():
        return None
    body = " ".join(text.split()) if kind in ("news", "video") else text.strip()
    metrics = dict(fields.pop("metrics", None) or {})
    if len(body) > MAX_TEXT:
        body, metrics["truncated"] = body[:MAX_TEXT], True
    return Evidence(kind=kind, source=source, text=loader.storable(body), metrics=metrics,
                    publisher=_bounded(fields.pop("publisher", None), MAX_NAME),
                    author=_bounded(fields.pop("author", None), MAX_NAME),
                    url=_bounded(fields.pop("url", None), MAX_URL), **fields)


# --- at load time: from the items themselves --------------------------------------------------------
def from_observations(frame: pd.DataFrame, limit: int = MAX_PER_TREND_SOURCE,
                      trend_ids: Iterable[str] | None = None) -> list[Evidence]:
    """The evidence of loaded observations (with ``trend_id``): each source's reader, for the most engaging
    sighting of each item and at most ``limit`` items per trend and source; only of ``trend_ids`` when
    given (a load's best-scored trends, :data:`MAX_TRENDS`)."""
    readers = {name: s.evidence for name, s in sources.registered().items() if s.evidence is not None}
    if frame.empty or not readers:
        return []
    wanted = frame["source"].isin(list(readers)).to_numpy().copy()
    if trend_ids is not None:
        wanted &= frame["trend_id"].isin(set(trend_ids)).to_numpy()
    rows = frame.loc[wanted, [
        "trend_id", "source", "region", "title", "url", "metrics", "published_at", "source_item_id", "raw_key",
        "engagement"]]
    if rows.empty:
        return []
    # The most engaging sighting of each (trend, source, item), then the first ``limit`` items per (trend,
    # source): on integer codes of the three columns, not on their text (a load has a million rows).
    rows = rows.iloc[np.argsort(-rows["engagement"].to_numpy(dtype="float64"), kind="stable")]
    trend_codes, trend_ids = pd.factorize(rows["trend_id"])
    source_codes, _ = pd.factorize(rows["source"])
    item_codes, items = pd.factorize(rows["source_item_id"])
    pair = trend_codes.astype(np.int64) * 64 + source_codes
    first = ~pd.Series(pair * (len(items) + 1) + item_codes).duplicated().to_numpy()
    rows, pair = rows.loc[first], pair[first]
    rows = rows.loc[(pd.Series(pair).groupby(pair, sort=False).cumcount() < limit).to_numpy()]
    published = rows["published_at"].astype(object).where(rows["published_at"].notna(), None)
    found: list[Evidence] = []
    for trend_id, source, region, title, url, metrics, when, item_id, raw_key in zip(
            rows["trend_id"].tolist(), rows["source"].tolist(), rows["region"].tolist(), rows["title"].tolist(),
            rows["url"].tolist(), rows["metrics"].tolist(), published.tolist(), rows["source_item_id"].tolist(),
            rows["raw_key"].tolist()):
        item = {"title": title, "url": url, "metrics": _metrics(metrics), "source_item_id": item_id,
                "published_at": when.to_pydatetime() if isinstance(when, pd.Timestamp) else when}
        for one in readers[source](item):
            one.trend_id, one.region = trend_id, region
            one.raw_key = raw_key if isinstance(raw_key, str) else None
            found.append(one)
    return found


def from_rows(rows: Iterable[dict]) -> list[Evidence]:
    """The evidence of stored observation rows (dicts with source, title, url, metrics, published_at,
    source_item_id, region; a ``trend_id`` where known), read as at load time: what a brief derives
    when a trend's evidence was never loaded (observations stored by hand, before evidence existed)."""
    readers = {name: s.evidence for name, s in sources.registered().items() if s.evidence is not None}
    found = []
    for row in rows:
        reader = readers.get(row.get("source"))
        if reader is None or not row.get("title"):
            continue
        item = dict(row, metrics=_metrics(row.get("metrics")))
        for one in reader(item):
            one.trend_id, one.region, one.raw_key = row.get("trend_id"), row.get("region"), row.get("raw_key")
            found.append(one)
    return found


def _metrics(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


# --- the same words once, and text treated as data ----------------------------------------------------
def _reach(item: Evidence) -> float:
    return sum(v for v in item.metrics.values() if isinstance(v, (int, float)) and not isinstance(v, bool))


def collapse(found: Iterable[Evidence]) -> list[Evidence]:
    """One Evidence per (trend, kind, normalised text): the one with the most reach (its counts' sum)."""
    best: dict[tuple, Evidence] = {}
    for item in found:
        key = (item.trend_id, item.evidence_id)
        if key not in best or _reach(item) > _reach(best[key]):
            best[key] = item
    return list(best.values())


def screen(found: Sequence[Evidence], extra_terms: tuple[str, ...] | None = None) -> tuple[list[Evidence], list[dict]]:
    """(kept, quarantine rows): text that reads like instructions is refused with the reason; text brand
    safety would skip (its skip words, ``extra_terms``: default ACF_BLOCKED_TERMS) and posts marked adult
    or possibly sensitive are kept with the reason in ``flag``. Each distinct text is read once."""
    from acf import settings
    from acf.opportunities.analyzer import skip_reason
    from acf.text.guard import injection_reason

    extra_terms = tuple(settings.load().blocked_terms) if extra_terms is None else extra_terms

    verdicts: dict[str, tuple[str | None, str | None]] = {}
    kept, refused = [], []
    for item in found:
        text = " ".join(filter(None, (item.text, item.publisher, item.author, item.metrics.get("snippet"),
                                      item.metrics.get("selftext"))))
        if text not in verdicts:
            verdicts[text] = (injection_reason(text), skip_reason(text, extra_terms))
        hostile, unsafe = verdicts[text]
        if hostile:
            refused.append({"stage": STAGE, "reason": f"{item.kind} refused: {hostile}", "source": item.source,
                            "raw_key": item.raw_key, "payload": _payload(item)})
            continue
        if unsafe or item.metrics.get("over_18") or item.metrics.get("possibly_sensitive"):
            item.flag = unsafe or ("marked adult (over_18)" if item.metrics.get("over_18")
                                   else "marked possibly sensitive")
        kept.append(item)
    return kept, refused


def _payload(item: Evidence) -> dict:
    data = asdict(item)
    data["published_at"] = item.published_at.isoformat() if item.published_at else None
    return data


# --- storing ------------------------------------------------------------------------------------------
def upsert(conn: psycopg.Connection, found: Sequence[Evidence], *, seen_at: datetime) -> int:
    """Insert or refresh evidence rows (the caller owns the transaction); returns the rows sent.

    COPY into a temporary table, then ``INSERT ... ON CONFLICT``: a repeat keeps its first sighting and
    takes the newer counts, flag and last sighting.
    """
    rows = [item for item in found if item.trend_id]
    if not rows:
        return 0
    frame = pd.DataFrame({
        "trend_id": [r.trend_id for r in rows], "evidence_id": [r.evidence_id for r in rows],
        "kind": [r.kind for r in rows], "source": [r.source for r in rows], "text": [r.text for r in rows],
        "publisher": [r.publisher for r in rows], "author": [r.author for r in rows], "url": [r.url for r in rows],
        "published_at": pd.Series([r.published_at for r in rows], dtype=object).map(_iso),
        "metrics": [json.dumps(r.metrics, ensure_ascii=False, separators=(",", ":"), default=str) for r in rows],
        "item_id": [r.item_id for r in rows], "parent_id": [r.parent_id for r in rows],
        "region": [r.region for r in rows], "raw_key": [r.raw_key for r in rows], "flag": [r.flag for r in rows],
        "first_seen": _iso(seen_at), "last_seen": _iso(seen_at),
    })
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS evidence_stage (LIKE acf.trend_evidence) ON COMMIT DELETE ROWS")
    conn.execute("TRUNCATE evidence_stage")
    loader.copy_frame(conn, "evidence_stage", frame, COLUMNS)
    cols = ", ".join(COLUMNS)
    conn.execute(
        f"INSERT INTO acf.trend_evidence AS e ({cols}) SELECT {cols} FROM evidence_stage"
        " ON CONFLICT (trend_id, evidence_id) DO UPDATE SET"
        "  metrics = CASE WHEN EXCLUDED.last_seen >= e.last_seen THEN EXCLUDED.metrics ELSE e.metrics END,"
        "  flag = EXCLUDED.flag,"
        "  published_at = coalesce(e.published_at, EXCLUDED.published_at),"
        "  first_seen = least(e.first_seen, EXCLUDED.first_seen),"
        "  last_seen = greatest(e.last_seen, EXCLUDED.last_seen)")
    return len(rows)


def _iso(moment: Any) -> str | None:
    if moment is None or (isinstance(moment, float) and moment != moment) or moment is pd.NaT:
        return None
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
    return str(moment)


def store(conn: psycopg.Connection, found: Iterable[Evidence], *, seen_at: datetime, run_id: str | None = None,
          extra_terms: tuple[str, ...] | None = None) -> dict:
    """collapse -> screen -> upsert, quarantining what the guard refuses; returns counts."""
    kept, refused = screen(collapse(found), extra_terms)
    stored = upsert(conn, kept, seen_at=seen_at)
    loader.quarantine_rows(conn, refused, run_id)
    return {"evidence": stored, "evidence_quarantined": len(refused),
            "evidence_flagged": sum(1 for item in kept if item.flag)}


def retain(conn: psycopg.Connection, keep_days: int, now: datetime | None = None) -> int:
    """Delete evidence not seen for ``keep_days`` days; returns the rows deleted."""
    now = now or datetime.now(timezone.utc)
    return conn.execute("DELETE FROM acf.trend_evidence WHERE last_seen < %s - make_interval(days => %s)",
                        (now, int(keep_days))).rowcount


# --- readers of the extra answers (Reddit comments, X recent search) ---------------------------------------
_QUOTE_END = re.compile(r"(?<=[.!?])\s+")


def reddit_comments(answer: Any, *, per_post: int = 5) -> list[Evidence]:
    """The top comments of ``GET /comments/<id>``: a two-listing array (the post, then its comments), as
    Reddit sends it (praw-dev/praw tests/integration/cassettes/TestComment.test_refresh__with_reply_sort_and
    _limit.json). Moderators' stickied notes, deleted and removed comments and "more" stubs are left out;
    raises ValueError when the answer is not that shape."""
    if not (isinstance(answer, list) and len(answer) == 2 and all(isinstance(part, dict) for part in answer)):
        raise ValueError("not a Reddit comments answer: expected [post listing, comment listing]")
    posts = ((answer[0].get("data") or {}).get("children") or [])
    post = posts[0].get("data", {}) if posts and isinstance(posts[0], dict) else {}
    post_id = post.get("id") if isinstance(post.get("id"), str) else None
    subreddit = post.get("subreddit") if isinstance(post.get("subreddit"), str) else None
    children = (answer[1].get("data") or {}).get("children")
    if not isinstance(children, list):
        raise ValueError("not a Reddit comments answer: the second listing has no children")
    comments = []
    for child in children:
        data = child.get("data") if isinstance(child, dict) and child.get("kind") == "t1" else None
        if not isinstance(data, dict):
            continue
        body = data.get("body")
        if not isinstance(body, str) or body.strip() in ("[deleted]", "[removed]", ""):
            continue
        if data.get("stickied") or data.get("distinguished") or data.get("author") == "AutoModerator":
            continue
        score = data.get("score")
        score = score if isinstance(score, int) and not isinstance(score, bool) else 0
        comments.append((score, data, body))
    comments.sort(key=lambda c: -c[0])
    found = []
    for score, data, body in comments[:per_post]:
        created = data.get("created_utc")
        permalink = data.get("permalink")
        item = make("comment", "reddit", body, publisher=f"r/{subreddit}" if subreddit else None,
                    author=f"u/{data['author']}" if isinstance(data.get("author"), str) else None,
                    url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str)
                    and permalink.startswith("/") else None,
                    published_at=datetime.fromtimestamp(created, tz=timezone.utc)
                    if isinstance(created, (int, float)) and not isinstance(created, bool) and 0 < created < 4e10
                    else None,
                    metrics={"score": score}, item_id=data.get("id") if isinstance(data.get("id"), str) else None,
                    parent_id=post_id)
        if item is not None:
            found.append(item)
    return found


def x_posts(answer: Any) -> list[Evidence]:
    """The posts of ``GET /2/tweets/search/recent`` with ``tweet.fields=public_metrics,created_at,...`` and
    ``expansions=author_id`` (authors in ``includes.users``); retweets are left out (their words are the
    original's). Raises ValueError when the answer is not a search answer."""
    if not isinstance(answer, dict) or ("data" not in answer and "meta" not in answer):
        raise ValueError("not an X recent-search answer: no data and no meta")
    data = answer.get("data") or []
    if not isinstance(data, list):
        raise ValueError("not an X recent-search answer: data is not a list")
    users = {u.get("id"): u for u in ((answer.get("includes") or {}).get("users") or []) if isinstance(u, dict)}
    found = []
    for post in data:
        if not isinstance(post, dict) or not isinstance(post.get("text"), str) or not isinstance(post.get("id"), str):
            continue
        if post["text"].startswith("RT @") or any(
                ref.get("type") == "retweeted" for ref in post.get("referenced_tweets") or [] if isinstance(ref, dict)):
            continue
        user = users.get(post.get("author_id")) or {}
        handle = user.get("username") if isinstance(user.get("username"), str) else None
        counts = post.get("public_metrics") if isinstance(post.get("public_metrics"), dict) else {}
        metrics = {k: v for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool)}
        if post.get("possibly_sensitive") is True:
            metrics["possibly_sensitive"] = True
        if isinstance(post.get("lang"), str):
            metrics["lang"] = post["lang"]
        when = post.get("created_at")
        item = make("x_post", "x", post["text"], publisher=user.get("name"),
                    author=f"@{handle}" if handle else None,
                    url=f"https://x.com/{handle or 'i/web'}/status/{post['id']}",
                    published_at=read_iso_time(when), metrics=metrics, item_id=post["id"])
        if item is not None:
            found.append(item)
    return found


def first_sentences(text: str, limit: int = 240) -> str | None:
    """The whole sentences of ``text`` that fit in ``limit`` characters (a verbatim quote), else None."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _QUOTE_END.split(text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or None


__all__ = ["Evidence", "KINDS", "MAX_TEXT", "collapse", "from_observations", "from_rows", "make", "reddit_comments",
           "retain", "screen", "store", "upsert", "x_posts"]
