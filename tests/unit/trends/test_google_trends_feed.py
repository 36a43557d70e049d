"""The Trending-now RSS feed: traffic forms, dates, namespaces, news items, and bodies refused whole."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from acf.trends import offline, parsers
from acf.trends.sources import google_trends
from acf.trends.sources.fields import ItemError

NOW = datetime(2026, 2, 3, 2, tzinfo=timezone.utc)
NEWS = """<ht:news_item><ht:news_item_title>{title}</ht:news_item_title><ht:news_item_snippet/>
<ht:news_item_url>https://news.example.org/{n}</ht:news_item_url>
<ht:news_item_picture>https://encrypted-tbn3.gstatic.com/images?q=tbn:{n}</ht:news_item_picture>
<ht:news_item_source>Example News</ht:news_item_source></ht:news_item>"""


def _feed(*items: str, prefix: str = "ht") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rss xmlns:atom="http://www.w3.org/2005/Atom" '
            f'xmlns:{prefix}="https://trends.google.com/trending/rss" version="2.0"><channel>'
            f'<title>Daily Search Trends</title>{"".join(items)}</channel></rss>').encode()


def _item(title="madureira vs vasco da gama", traffic="200K+", pub="Mon, 2 Feb 2026 17:10:00 -0800", news=2,
          prefix="ht") -> str:
    blocks = "".join(NEWS.format(title=f"headline {n} " + "x" * 400, n=n) for n in range(news))
    return (f"<item><title>{title}</title><ht:approx_traffic>{traffic}</ht:approx_traffic><description/>"
            f"<link>https://trends.google.com/trending/rss?geo=BR</link><pubDate>{pub}</pubDate>"
            f"<ht:picture>https://encrypted-tbn3.gstatic.com/images?q=tbn:p</ht:picture>"
            f"<ht:picture_source>The Playoffs</ht:picture_source>{blocks}</item>").replace("ht:", f"{prefix}:")


def _parse(body: bytes | str):
    return parsers.parse_payload("google_trends", body, region="BR", observed_at=NOW)


@pytest.mark.parametrize("text, number", [("200K+", 200_000), ("2M+", 2_000_000), ("1,000+", 1000), ("200+", 200),
                                          ("1.5M+", 1_500_000)])
def test_traffic_forms(text, number):
    obs = _parse(_feed(_item(traffic=text))).observations[0]
    assert obs.metrics["traffic"] == number and obs.engagement == number and obs.metrics["approx_traffic"] == text


def test_item_fields_news_items_and_date():
    obs = _parse(_feed(_item())).observations[0]
    assert obs.title == "madureira vs vasco da gama" and obs.source_item_id == obs.title
    assert obs.published_at == datetime(2026, 2, 3, 1, 10, tzinfo=timezone.utc)  # -0800 to UTC
    assert obs.metrics["picture_source"] == "The Playoffs" and obs.metrics["picture"].startswith("https://")
    news = obs.metrics["news_items"]
    assert [n["url"] for n in news] == ["https://news.example.org/0", "https://news.example.org/1"]
    assert news[0]["source"] == "Example News" and news[0]["snippet"] is None
    assert len(news[0]["title"]) == google_trends.MAX_NEWS_TEXT


def test_news_items_are_bounded():
    obs = _parse(_feed(_item(news=9))).observations[0]
    assert len(obs.metrics["news_items"]) == google_trends.MAX_NEWS_ITEMS == obs.metrics["articles"]


def test_the_namespace_matters_not_its_prefix():
    obs = _parse(_feed(_item(prefix="trends"), prefix="trends")).observations[0]
    assert obs.metrics["traffic"] == 200_000 and len(obs.metrics["news_items"]) == 2


def test_a_bad_item_is_quarantined_with_its_reason():
    parsed = _parse(_feed(_item(), _item(traffic="lots"), _item(pub="yesterday"), _item(title="")))
    assert len(parsed.observations) == 1 and len(parsed.rejects) == 3
    reasons = " | ".join(r.reason for r in parsed.rejects)
    assert "ht:approx_traffic is not a traffic figure" in reasons and "pubDate is not an RFC 822 date" in reasons
    assert "title is missing" in reasons and not any(r.whole_payload for r in parsed.rejects)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3;</title></item></channel></rss>"""
XXE = """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&x;</title></item></channel></rss>"""


@pytest.mark.parametrize("body, reason", [
    (BILLION_LAUGHS, "DTDForbidden"), (XXE, "DTDForbidden"),
    ("<html><title>Error 404 (Not Found)!!1</title></html>", "root is <html>"),
    ("<rss><channel><item>", "not XML"), ("<feed/>", "root is <feed>"),
    ("this is not a feed", "JSONDecodeError"),
])
def test_a_body_that_is_not_the_feed_is_refused_whole(body, reason):
    parsed = _parse(body)
    assert not parsed.observations and len(parsed.rejects) == 1
    assert parsed.rejects[0].whole_payload and reason in parsed.rejects[0].reason


def test_realtime_stories_json_still_parses():
    body = b'{"storySummaries": {"trendingStories": [{"title": "A story", "entityNames": ["One", "Two"]}]}}'
    obs = _parse(body).observations[0]
    assert obs.title == "A story" and obs.source_item_id == "One, Two"


def test_parse_traffic_refuses_non_figures():
    with pytest.raises(ItemError):
        google_trends.parse_traffic("many", "ht:approx_traffic")


def test_offline_sample_is_the_feed_shifted_to_the_replay_time():
    assert set(offline.sample_regions("google_trends")) >= {"US", "GB", "DE", "JP", "IN", "BR"}
    later = offline.SAMPLE_ANCHOR + timedelta(days=30)
    anchored = _parse(offline.sample_payload("google_trends", "JP", offline.SAMPLE_ANCHOR)).observations
    shifted = parsers.parse_payload("google_trends", offline.sample_payload("google_trends", "JP", later),
                                    region="JP", observed_at=later)
    assert len(shifted.observations) == len(anchored) == 8 and not shifted.rejects
    assert [o.published_at - a.published_at for o, a in zip(shifted.observations, anchored)] == [timedelta(days=30)] * 8
    assert all(o.published_at <= later and o.metrics["news_items"] for o in shifted.observations)
