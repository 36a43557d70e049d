"""A category per trend: the majority category id its observations carry, rules otherwise.

The categories are YouTube's video categories (the ids a source of ``category_kind``
"category_id" gives); the rules map topic tokens, and community names such as
subreddits (sources of ``category_kind`` "community"), to them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# YouTube Data API v3 video categories (videoCategories.list, the assignable ones).
YOUTUBE_CATEGORIES: dict[int, str] = {
    1: "film", 2: "autos", 10: "music", 15: "pets", 17: "sports", 19: "travel", 20: "gaming",
    22: "people", 23: "comedy", 24: "entertainment", 25: "news", 26: "howto", 27: "education",
    28: "technology", 29: "nonprofits",
}
DEFAULT_CATEGORY = "general"

# Rules: a topic token or a community name (a subreddit, without r/) pointing to a YouTube category id.
KEYWORDS: dict[int, frozenset[str]] = {
    10: frozenset("album song single tour concert festival singer rapper band lineup glastonbury grammys mv 歌合戦 紅白歌合戦 music".split()),
    17: frozenset("league cup final match goal goals nfl nba mlb nhl ipl cricket football soccer tennis f1 "
                  "bundesliga brasileirão olympics halftime bowl transfer derby premier champions spieltag rodada".split()),
    20: frozenset("gta game gaming nintendo playstation xbox ps5 switch pokemon pokémon ポケモン minecraft fortnite esports steam".split()),
    28: frozenset("iphone android ai openai chatgpt apple google samsung spacex starship nasa launch rocket chip "
                  "gpu nvidia tesla software review phone laptop".split()),
    1: frozenset("movie film oscars oscar netflix marvel box office premiere".split()),
    25: frozenset("election president minister parliament war protest breaking court law vote budget".split()),
    26: frozenset("recipe recipes cooking diy makeup fashion tutorial how".split()),
    24: frozenset("carnaval oktoberfest celebrity show series episode award awards".split()),
    27: frozenset("exam results university school study".split()),
}
SUBREDDITS: dict[str, int] = {
    "music": 10, "popheads": 10, "hiphopheads": 10, "popculturechat": 24, "gaming": 20, "games": 20,
    "pokemon": 20, "pcgaming": 20, "soccer": 17, "nfl": 17, "nba": 17, "cricket": 17, "premierleague": 17,
    "futebol": 17, "sports": 17, "formula1": 17, "space": 28, "technology": 28, "apple": 28, "android": 28,
    "science": 28, "movies": 1, "television": 24, "news": 25, "worldnews": 25, "politics": 25,
    "cooking": 26, "food": 26, "todayilearned": 27, "askscience": 27,
}


def rule_category(tokens: Iterable[str], communities: Iterable[str] = ()) -> int | None:
    """Category id from keyword and community rules; None when nothing matches."""
    votes: Counter[int] = Counter()
    for community in communities:
        category = SUBREDDITS.get(community.removeprefix("r/").casefold())
        if category:
            votes[category] += 2
    token_set = set(tokens)
    for category, words in KEYWORDS.items():
        hits = len(token_set & words)
        if hits:
            votes[category] += hits
    if not votes:
        return None
    return min(votes, key=lambda c: (-votes[c], c))


def categorise(category_ids: Iterable[str | int | None], tokens: Iterable[str],
               communities: Iterable[str] = ()) -> tuple[str, int | None, str]:
    """(label, YouTube category id or None, method) for one trend.

    The method is "youtube" when the ids decided (they are YouTube's ids), "rules" or "default".
    """
    known = Counter()
    for value in category_ids:
        try:
            category = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if category in YOUTUBE_CATEGORIES:
            known[category] += 1
    if known:
        category = min(known, key=lambda c: (-known[c], c))
        return YOUTUBE_CATEGORIES[category], category, "youtube"
    category = rule_category(tokens, communities)
    if category is None:
        return DEFAULT_CATEGORY, None, "default"
    return YOUTUBE_CATEGORIES[category], category, "rules"
