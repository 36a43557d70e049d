"""Google Trends: a region's "Trending now" RSS feed (``/trending/rss?geo=<CC>``; pytrends' ``dailytrends``
has answered with Google's 404 page since early 2025), or realtime stories (JSON). Engagement is the
item's approximate traffic ("200K+"); interest over seven days for the top searches is fetched beside
the list (:data:`acf.trends.signals.GT_INTEREST`), best effort.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus

from acf.trends import signals, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_list, read_object, read_text

NAME = "google_trends"
_TRAFFIC = re.compile(r"^\s*([\d.,]+)\s*([KMB]?)\+?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
HT = "https://trends.google.com/trending/rss"  # the feed's ``ht:`` namespace
FEED_MARK = "rss_item"  # the key a feed item's dict carries, so parse() tells it from a JSON story
MAX_NEWS_ITEMS = 5
MAX_NEWS_TEXT = 300  # characters kept of a news item's title or snippet
MAX_FEED_BYTES = 5_000_000
_PUBDATE = re.compile(r"(<pubDate>)([^<]*)(</pubDate>)")


class MalformedFeed(ValueError):
    """The body is not a Trending-now RSS feed (not XML, wrong root, entities or a DTD)."""


def _text(element, tag: str, limit: int | None = None) -> str | None:
    found = element.find(tag)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text[:limit] if limit else text


def _news(element) -> dict:
    return {"title": _text(element, f"{{{HT}}}news_item_title", MAX_NEWS_TEXT),
            "snippet": _text(element, f"{{{HT}}}news_item_snippet", MAX_NEWS_TEXT),
            "url": _text(element, f"{{{HT}}}news_item_url", 2048),
            "source": _text(element, f"{{{HT}}}news_item_source", 200),
            "picture": _text(element, f"{{{HT}}}news_item_picture", 2048)}


def read_feed(text: str) -> dict:
    """The feed's items as plain dicts; raises :class:`MalformedFeed` for anything not the feed."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    if len(text) > MAX_FEED_BYTES:
        raise MalformedFeed(f"feed is {len(text)} characters, over {MAX_FEED_BYTES}")
    try:
        # DTDs are refused outright: the feed has none, and an entity bomb needs one.
        root = fromstring(text.encode("utf-8"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MalformedFeed(f"feed refused: {type(exc).__name__}: {exc}") from None
    except ParseError as exc:
        raise MalformedFeed(f"feed is not XML: {exc}") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise MalformedFeed(f"feed root is <{root.tag}>, not <rss><channel>")
    items = []
    for element in channel.findall("item"):
        items.append({
            FEED_MARK: True, "title": _text(element, "title"),
            "approx_traffic": _text(element, f"{{{HT}}}approx_traffic"),
            "pubDate": _text(element, "pubDate"),
            "picture": _text(element, f"{{{HT}}}picture"),
            "picture_source": _text(element, f"{{{HT}}}picture_source"),
            "news_items": [_news(n) for n in element.findall(f"{{{HT}}}news_item")[:MAX_NEWS_ITEMS]],
        })
    return {"rss": {"items": items}}


def decode(text: str) -> Any:
    """The payload's document, chosen by content: the RSS feed (XML) or realtime stories (JSON)."""
    if text.lstrip().startswith("<"):
        return read_feed(text)
    return json.loads(text)


def items(document: Any) -> list:
    if isinstance(document, dict) and "rss" in document:  # the Trending-now feed
        return document["rss"]["items"]
    if isinstance(document, dict) and "storySummaries" in document:  # realtime trends
        return read_list(document["storySummaries"]["trendingStories"], "trendingStories")
    days = read_list(document["default"]["trendingSearchesDays"], "trendingSearchesDays")
    for day in days:
        if not isinstance(day, dict):
            raise TypeError(f"a trendingSearchesDays entry is {type(day).__name__}, not an object")
    return [search for day in days for search in read_list(day.get("trendingSearches", []), "trendingSearches")]


def parse_traffic(value: Any, field: str = "formattedTraffic") -> int:
    """Google's "200K+" / "1M+" / "5,000+" to a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _TRAFFIC.match(value) if isinstance(value, str) else None
    if not match:
        raise ItemError(f"{field} is not a traffic figure: {str(value)[:40]!r}")
    return int(float(match.group(1).replace(",", "")) * _SCALE[match.group(2).upper()])


def parse_pubdate(value: Any) -> datetime:
    """An RFC 822 date ("Mon, 2 Feb 2026 17:10:00 -0800") as UTC."""
    try:
        moment = parsedate_to_datetime(read_text(value, "pubDate"))
    except (TypeError, ValueError):
        raise ItemError(f"pubDate is not an RFC 822 date: {str(value)[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _parse_feed_item(item: dict, region: str, observed_at: datetime) -> TrendObservation:
    title = read_text(item.get("title"), "title")
    raw_traffic = item.get("approx_traffic")
    traffic = parse_traffic(raw_traffic, "ht:approx_traffic")
    news = [n for n in item.get("news_items") or [] if n.get("title") or n.get("url")]
    return TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(title, NAME), title=title,
        url=f"https://trends.google.com/trends/explore?q={quote_plus(title)}&geo={region}",
        category=None,
        metrics={"traffic": traffic, "approx_traffic": raw_traffic, "articles": len(news), "news_items": news,
                 "picture": item.get("picture"), "picture_source": item.get("picture_source")},
        observed_at=observed_at, language=None, source_item_id=title,
        published_at=parse_pubdate(item.get("pubDate")), engagement=float(traffic),
    )


def parse(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if read_object(item).get(FEED_MARK):
        return _parse_feed_item(item, region, observed_at)
    if "entityNames" in item:  # realtime story
        title = read_text(item.get("title"), "title")
        query = ", ".join(item["entityNames"][:3]) if isinstance(item.get("entityNames"), list) else title
        traffic = 0
    else:
        title_obj = item.get("title")
        query = read_text(title_obj.get("query") if isinstance(title_obj, dict) else None, "title.query")
        title = query
        traffic = parse_traffic(item.get("formattedTraffic", "0"))
    articles = item.get("articles") or []
    return TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(query, NAME), title=title,
        url=f"https://trends.google.com/trends/explore?q={quote_plus(query)}&geo={region}",
        category=None, metrics={"traffic": traffic, "articles": len(articles) if isinstance(articles, list) else 0},
        observed_at=observed_at, language=None, source_item_id=query, published_at=None,
        engagement=float(traffic),
    )


def shift_sample(document: dict | str, delta: timedelta) -> str | None:
    """Moves the sample's dates: each feed item's pubDate (the feed is text), or dailytrends' day dates."""
    if isinstance(document, str):
        def moved(match: re.Match) -> str:
            when = parsedate_to_datetime(match.group(2).strip()) + delta
            return match.group(1) + format_datetime(when) + match.group(3)

        return _PUBDATE.sub(moved, document)
    for day in document.get("default", {}).get("trendingSearchesDays", []):
        day["date"] = (datetime.strptime(day["date"], "%Y%m%d") + delta).strftime("%Y%m%d")


def sample_interest(queries: list[str], at: datetime) -> bytes:
    """Interest over the last seven days for up to five queries, shaped like the explore page's answer."""
    queries = queries[:signals.INTEREST_TERMS]
    hour = at.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    seeds = [int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:4], "big") for t in queries]
    timeline = []
    for back in range(168, 0, -1):  # hourly, oldest first; the newest hour is still partial
        moment = hour - timedelta(hours=back - 1)
        values = [min(100, (seed % 40) + (168 - back) * (1 + seed % 3) // 6) for seed in seeds]
        point = {"time": str(int(moment.timestamp())), "formattedTime": moment.strftime("%b %d, %Y at %I:%M %p"),
                 "formattedAxisTime": moment.strftime("%b %d at %I:%M %p"), "value": values,
                 "hasData": [True] * len(queries), "formattedValue": [str(v) for v in values]}
        if back == 1:
            point["isPartial"] = True
        timeline.append(point)
    response = {"default": {"timelineData": timeline, "averages": []}}
    return json.dumps({"terms": queries, "timeframe": signals.INTEREST_TIMEFRAME, "response": response},
                      ensure_ascii=False).encode("utf-8")


def evidence(item: dict) -> list:
    """The news items a feed item links: headline, publisher, link, and the snippet where it says more."""
    from acf.trends.evidence import make

    found = []
    for news in (item.get("metrics") or {}).get("news_items") or []:
        if not isinstance(news, dict):
            continue
        title, snippet = news.get("title"), news.get("snippet")
        extra = {"snippet": snippet} if isinstance(snippet, str) and snippet.strip() and snippet != title else {}
        one = make("news", NAME, title, publisher=news.get("source"), url=news.get("url"),
                   published_at=item.get("published_at"), metrics=extra,
                   item_id=news.get("url") if isinstance(news.get("url"), str) else None)
        if one is not None:
            found.append(one)
    return found


SOURCE = TrendSource(name=NAME, items=items, decode=decode, parse=parse, shift_sample=shift_sample,
                     signal=signals.GT_INTEREST, sample_signal=sample_interest, evidence=evidence)
