"""The research brief of an opportunity: what the trend sources saw about it, as citable facts.

    facts = build_brief(trend, observations, said=evidence_rows)

Built when the opportunity is scored. What was *said* comes from ``acf.trend_evidence`` (``said``): news
headlines with their publishers, Reddit posts and their top comments, YouTube videos, posts on X with
their counts; what the observations themselves hold is read the same way (``acf.trends.evidence
.from_rows``), so a trend loaded before evidence existed still has its headlines, posts and videos. The
numbers come from the observations: Google Trends' search traffic, interest against its 7-day mean, X
post counts and their weekly curve, and where the trend is seen. Each becomes a
:class:`acf.content_models.Fact` with the numbers a script may say. Facts are cleaned, passed through
brand safety (a fact matching a skip word is dropped; evidence flagged at load is never used) and the
prompt-injection guard (evidence is data: a fact that reads like instructions is dropped, never obeyed),
deduplicated and ranked by source kind, recency, relevance to the term and reach.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from acf.content_models import FACT_KINDS, Fact
from acf.ids import normalise_text
from acf.text.evidence import speak_count
from acf.text.guard import clean_data_text, injection_reason
from acf.trends import evidence as trend_evidence
from acf.trends.models import Trend

MAX_FACTS = 12
MAX_PER_KIND = {"headline": 4, "quote": 4, "video": 2, "stat": 4, "regions": 1, "list": 1, "series": 1}
# Quotes of one kind of evidence at most, so posts, comments and posts on X all get a say.
MAX_PER_ORIGIN = {"post": 2, "comment": 2, "x_post": 2}
QUOTE_CHARS = 240        # a comment or post on X longer than this is quoted by its first whole sentences
MIN_UPVOTES = {"post": 10, "comment": 5}
# How much a fact of each kind tells a viewer about the topic (headlines say what happened).
KIND_WEIGHT = {"headline": 1.0, "stat": 0.9, "quote": 0.8, "video": 0.75, "regions": 0.6, "series": 0.6,
               "list": 0.5}
RECENCY_HALF_LIFE_HOURS = 24
REGION_NAMES = {
    "US": "the US", "GB": "the UK", "IN": "India", "BR": "Brazil", "DE": "Germany", "JP": "Japan",
    "FR": "France", "ES": "Spain", "MX": "Mexico", "CA": "Canada", "AU": "Australia", "IT": "Italy",
    "KR": "South Korea", "NL": "the Netherlands", "ID": "Indonesia", "NG": "Nigeria",
}
NO_REGION = "ZZ"


def region_name(code: str) -> str:
    return REGION_NAMES.get(str(code).upper(), str(code))


def join_names(names: list[str]) -> str:
    names = [n for n in names if n]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def _iso(moment: Any) -> str:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(moment or "")


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _latest(evidence: list[dict]) -> list[dict]:
    """One row per (source, region, item): the newest sighting (a trend is seen again each run)."""
    newest: dict[tuple, dict] = {}
    for row in sorted(evidence, key=lambda r: _iso(r.get("observed_at"))):
        key = (row.get("source"), row.get("region"), row.get("source_item_id") or row.get("title"))
        newest[key] = row
    return list(newest.values())


# --- facts per source -----------------------------------------------------------
def _google_trends(rows: list[dict], trend: Trend) -> list[Fact]:
    facts: list[Fact] = []
    by_traffic = sorted(rows, key=lambda r: -(_count((r.get("metrics") or {}).get("traffic")) or 0))
    top = by_traffic[0]
    metrics = top.get("metrics") or {}
    traffic = _count(metrics.get("traffic"))
    region = top.get("region")
    if traffic:
        facts.append(Fact("", "stat", f"Google searches for {clean_data_text(top['title'], 80)} passed "
                          f"{speak_count(traffic)} in {region_name(region)}.", "Google Trends",
                          top.get("url") or "", _iso(top.get("published_at") or top.get("observed_at")),
                          numbers={"searches": traffic}))
    now, mean = metrics.get("interest_now"), metrics.get("interest_mean_7d")
    if isinstance(now, (int, float)) and isinstance(mean, (int, float)) and mean > 0 and now > mean:
        facts.append(Fact("", "stat", f"Search interest in {clean_data_text(trend.term, 80)} is at {now:g} out of "
                          f"100, against a seven-day average of {round(mean):g}.", "Google Trends", top.get("url") or "",
                          _iso(top.get("observed_at")), numbers={"interest_now": now, "seven_day_average": round(mean)}))
    regions = [(region_name(r["region"]), _count((r.get("metrics") or {}).get("traffic")) or 0)
               for r in by_traffic if r.get("region") and r.get("region") != NO_REGION]
    regions = list(dict(reversed(regions)).items())
    regions.sort(key=lambda p: -p[1])
    if len(regions) >= 2:
        where = join_names([name for name, _ in regions[:4]])
        facts.append(Fact("", "regions", f"Searches for {clean_data_text(trend.term, 80)} are trending in {where}.",
                          "Google Trends", "", _iso(top.get("observed_at")),
                          points=[[name, value] for name, value in regions[:6]]))
    return facts


def _x(rows: list[dict], trend: Trend) -> list[Fact]:
    best, best_count, label = None, 0, ""
    for row in rows:
        metrics = row.get("metrics") or {}
        for key, what in (("tweet_volume", "posts"), ("recent_count_24h", "posts_24h")):
            count = _count(metrics.get(key))
            if count and count > best_count:
                best, best_count, label = row, count, what
    if best is None:
        return []
    when = " in the last day" if label == "posts_24h" else ""
    name = clean_data_text(best["title"], 80)
    what = f"carry the hashtag for {clean_data_text(trend.term, 80)}" if name.startswith("#") else f"mention {name}"
    return [Fact("", "stat", f"On X, {speak_count(best_count)} posts {what}{when}.", "X", best.get("url") or "", _iso(best.get("observed_at")), numbers={label: best_count})]


def _series(rows: list[dict], trend: Trend) -> list[Fact]:
    """A week's curve (``metrics.series`` from X's daily counts or Google's interest): a chart to show."""
    facts = []
    term = clean_data_text(trend.term, 80)
    for row in rows:
        points = [p for p in (row.get("metrics") or {}).get("series") or []
                  if isinstance(p, list) and len(p) == 2 and isinstance(p[1], (int, float))]
        if len(points) < 3:
            continue
        first, last = points[0][1], points[-1][1]
        if row.get("source") == "x":
            text = f"Posts on X about {term} went from {speak_count(first)} a day to {speak_count(last)} this week."
        else:
            text = f"Search interest in {term} went from {speak_count(first)} to {speak_count(last)} out of 100 this week."
        facts.append(Fact("", "series", text, "X" if row.get("source") == "x" else "Google Trends",
                          row.get("url") or "", _iso(row.get("observed_at")),
                          numbers={"first_day": first, "latest_day": last}, points=[list(p) for p in points]))
    return facts


# The numbers each built-in source's observations give; what they *say* is their evidence (below).
SOURCE_FACTS = {"google_trends": _google_trends, "x": _x}


def _quotes(rows: list[dict], trend: Trend) -> list[Fact]:
    """Any other source: each item's title, said on that source."""
    return [Fact("", "quote", clean_data_text(r["title"], 300), str(r.get("source")), r.get("url") or "",
                 _iso(r.get("published_at") or r.get("observed_at"))) for r in rows]


def _nothing(rows: list[dict], trend: Trend) -> list[Fact]:
    return []


def _source_facts(name: str):
    """A source's own ``facts`` rule (an extension's TrendSource), else the built-in one; a source whose
    items have evidence says nothing more from its observations; any other is quoted by its titles."""
    from acf.trends import sources

    declared = sources.registered().get(name)
    if declared is not None and declared.facts is not None:
        return declared.facts
    if name in SOURCE_FACTS:
        return SOURCE_FACTS[name]
    return _nothing if declared is not None and declared.evidence is not None else _quotes


# --- facts from the evidence: what was said ------------------------------------------------------------
_TRAILING_LINKS = re.compile(r"(?:\s+https?://\S+)+\s*$")


def _quote_text(text: str) -> str | None:
    """A comment or post on X as a quote: trailing links off, whole sentences up to QUOTE_CHARS."""
    text = _TRAILING_LINKS.sub("", clean_data_text(text, 2000)).strip()
    return trend_evidence.first_sentences(text, QUOTE_CHARS) if text else None


def _said_facts(said: list[dict], trend: Trend) -> list[tuple[Fact, str]]:
    """(fact, evidence kind) for each usable piece of evidence; videos once per title (the most-viewed)."""
    out: list[tuple[Fact, str]] = []
    videos: dict[str, tuple[int, Fact]] = {}
    for row in said:
        kind, metrics = row.get("kind"), row.get("metrics") or {}
        text, publisher = row.get("text") or "", clean_data_text(row.get("publisher") or "", 100)
        url, at = row.get("url") or "", _iso(row.get("published_at") or row.get("last_seen"))
        if kind == "news":
            if publisher and clean_data_text(text, 200):
                out.append((Fact("", "headline", clean_data_text(text, 200), publisher, url, at), kind))
        elif kind == "post":
            score = _count(metrics.get("score")) or 0
            if publisher and score >= MIN_UPVOTES["post"] and not metrics.get("over_18"):
                out.append((Fact("", "quote", clean_data_text(text, 300), publisher, url, at,
                                 numbers={"upvotes": score, "comments": _count(metrics.get("comments")) or 0}), kind))
        elif kind == "comment":
            score, quote = _count(metrics.get("score")) or 0, _quote_text(text)
            if quote and publisher and score >= MIN_UPVOTES["comment"]:
                out.append((Fact("", "quote", quote, publisher, url, at, numbers={"comment_upvotes": score}), kind))
        elif kind == "x_post":
            quote, likes = _quote_text(text), _count(metrics.get("like_count")) or 0
            if quote and likes and not metrics.get("possibly_sensitive"):
                numbers = {"likes": likes}
                if _count(metrics.get("retweet_count")):
                    numbers["reposts"] = _count(metrics.get("retweet_count"))
                out.append((Fact("", "quote", quote, clean_data_text(row.get("author") or "", 60) or "X", url, at,
                                 numbers=numbers), kind))
        elif kind == "video":
            views = _count(metrics.get("views"))
            key = normalise_text(text)
            if views and (key not in videos or views > videos[key][0]):
                videos[key] = (views, Fact("", "video", clean_data_text(text, 200), publisher or "YouTube", url, at,
                                           numbers={"views": views}))
        elif kind and text:  # an extension's kind of evidence: said by whoever published it
            out.append((Fact("", "quote", clean_data_text(text, 300), publisher or str(row.get("source")), url, at),
                        kind))
    ranked = [fact for _, fact in sorted(videos.values(), key=lambda v: -v[0])]
    out += [(fact, "video") for fact in ranked]
    if len(ranked) >= 3:
        out.append((Fact("", "list", f"Videos about {clean_data_text(trend.term, 80)} on YouTube, by views.",
                         "YouTube", "", ranked[0].at, points=[[f.text, f.numbers["views"]] for f in ranked[:5]]),
                    "video"))
    return out


def _said(observations: list[dict], said: list[dict]) -> list[dict]:
    """The stored evidence, then what the observations themselves say (read as at load time), each once;
    evidence flagged at load (brand safety, adult) is not used, nor its repeats."""
    rows: dict[str, dict] = {}
    for row in said:
        rows.setdefault(row.get("evidence_id") or trend_evidence.evidence_id(row["kind"], row["text"]), row)
    for item in trend_evidence.from_rows(observations):
        rows.setdefault(item.evidence_id, {"kind": item.kind, "source": item.source, "text": item.text,
                                           "publisher": item.publisher, "author": item.author, "url": item.url,
                                           "published_at": item.published_at, "metrics": item.metrics})
    return [row for row in rows.values() if not row.get("flag")]


# --- safety, ranking ---------------------------------------------------------------
def _unsafe(fact: Fact, skip_words: list[str]) -> str | None:
    text = " ".join([fact.text, fact.source, *(str(p[0]) for p in fact.points or [])])
    if reason := injection_reason(text):
        return reason
    normal = normalise_text(text)
    for word in skip_words:
        if re.search(rf"(?<!\w){re.escape(normalise_text(word))}(?!\w)", normal):
            return f"brand safety ({word!r})"
    return None


def _relevance(fact: Fact, term: str, origin: str = "") -> float:
    words = set(re.findall(r"\w+", normalise_text(term))) - {"the", "a", "of", "and", "in", "on"}
    if not words or fact.kind in ("stat", "regions", "list"):
        return 1.0
    if origin == "comment":  # a reply under the trend's own post: about it, whatever its words
        return 0.8
    found = set(re.findall(r"\w+", normalise_text(fact.text)))
    return 0.4 + 0.6 * len(words & found) / len(words)


def _rank(fact: Fact, term: str, now: datetime, origin: str = "") -> float:
    recency = 1.0
    if fact.at:
        try:
            at = datetime.fromisoformat(fact.at.replace("Z", "+00:00"))
            recency = 0.5 ** (max(0.0, (now - at).total_seconds() / 3600) / RECENCY_HALF_LIFE_HOURS)
        except ValueError:
            recency = 0.5
    reach = sum(v for v in fact.numbers.values() if isinstance(v, (int, float)))
    return KIND_WEIGHT.get(fact.kind, 0.5) * (0.5 + 0.5 * recency) * _relevance(fact, term, origin) \
        * (1 + 0.02 * math.log10(1 + reach))


def build_brief(trend: Trend, observations: list[dict], *, said: list[dict] | None = None,
                skip_words: list[str] | None = None, now: datetime | None = None, limit: int = MAX_FACTS) -> list[Fact]:
    """The trend's facts, best first, ids f1..fn.

    ``observations``: its observation rows (dicts with source, region, title, url, category, metrics,
    observed_at, published_at, source_item_id); ``said``: its ``acf.trend_evidence`` rows (dicts with
    kind, source, text, publisher, author, url, published_at, metrics, flag; see
    ``acf.opportunities.store.trend_said``)."""
    from acf.opportunities.analyzer import brand_rules

    now = now or datetime.now(timezone.utc)
    if skip_words is None:
        skip_words = [w for words in brand_rules()["skip"].values() for w in words]
    rows = _latest(observations)
    found: list[tuple[Fact, str]] = []
    for source in sorted({r.get("source") for r in rows if r.get("source")}):
        mine = [r for r in rows if r.get("source") == source and r.get("title")]
        if mine:
            found += [(fact, "") for fact in _source_facts(source)(mine, trend) + _series(mine, trend)]
    found += _said_facts(_said(rows, list(said or [])), trend)
    if len({r.get("source") for r in rows}) >= 2:
        regions = sorted({r["region"] for r in rows if r.get("region") and r["region"] != NO_REGION})
        found.append((Fact("", "stat", f"It is trending on {len({r.get('source') for r in rows})} platforms at once"
                           + (f", in {len(regions)} countries." if len(regions) >= 2 else "."), "trend sources",
                           "", _iso(max((r.get("observed_at") for r in rows if r.get("observed_at")), default="")),
                           numbers={"platforms": len({r.get("source") for r in rows}), "countries": len(regions)}), ""))
    # The same words as a headline and as a post: the one with numbers to say (upvotes) is kept.
    richest: dict[tuple, tuple[Fact, str]] = {}
    for fact, origin in found:
        key = ("text" if fact.kind in ("headline", "quote", "video") else fact.kind, normalise_text(fact.text)[:120])
        if key not in richest or len(fact.numbers) > len(richest[key][0].numbers):
            richest[key] = (fact, origin)
    kept, seen, per_kind, per_origin = [], set(), {}, {}
    for fact, origin in sorted(richest.values(), key=lambda pair: -_rank(pair[0], trend.term, now, pair[1])):
        # the same title on Reddit, YouTube and in the news is said once
        key = ("text" if fact.kind in ("headline", "quote", "video") else fact.kind, normalise_text(fact.text)[:120])
        if key in seen or fact.kind not in FACT_KINDS or _unsafe(fact, skip_words):
            continue
        if per_kind.get(fact.kind, 0) >= MAX_PER_KIND.get(fact.kind, 2):
            continue
        if fact.kind == "quote" and per_origin.get(origin, 0) >= MAX_PER_ORIGIN.get(origin, MAX_PER_KIND["quote"]):
            continue
        seen.add(key)
        per_kind[fact.kind] = per_kind.get(fact.kind, 0) + 1
        per_origin[origin] = per_origin.get(origin, 0) + 1
        kept.append(fact)
        if len(kept) >= limit:
            break
    return [Fact(**{**asdict(f), "fact_id": f"f{i}"}) for i, f in enumerate(kept, 1)]


def fact_data(fact: Fact) -> dict:
    return asdict(fact)


def fact_from_data(data: dict) -> Fact:
    known = {k: data[k] for k in Fact.__dataclass_fields__ if k in data}
    return Fact(**known)


def describe(facts: list[Fact], limit: int = 6) -> str:
    """The brief as a few Markdown lines (the approval message, logs)."""
    lines = [f"  - {f.fact_id} ({f.kind}, {f.source}): {f.text[:140]}" for f in facts[:limit]]
    return "\n".join(lines)
