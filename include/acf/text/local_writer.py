"""The offline writer: rule- and template-based, deterministic, no key, no network.

Same input, same output (choices are seeded by a hash of the input), so it caches
and tests like any model. With a research brief (``inputs["facts"]``) it composes the
script from the facts: one sentence per fact by its kind ("Example News reports that ...",
"On r/nfl, a post with 12,200 upvotes says: '...'", "On r/nfl, a comment with 4,100 upvotes says:
'...'", "On X, a post by @handle with 18,400 likes says: '...'", "One video, ..., has 6.3 million
views."), numbers rounded for speech, quotes verbatim with their source, in an order each angle
kind plans (reaction leads with what people say, timeline goes by time, list numbers them); every
scene but the outro cites its facts, and few facts make a short script, never a padded one. Without a
brief it knows nothing about the topic beyond the trend's own fields and writes the older templates
about the trend itself. Titles start with the key term and hooks fit in the first three seconds. English only: other languages get
English text and say so (``language`` in the output).
"""
from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from acf import platform_rules

HOOK_MAX_WORDS = 9   # the most a script's hook may say (acf.text.scripts checks it)

PROVIDER = "local"
MODEL = "local-writer-1"
WORDS_PER_SECOND = 2.6
SUPPORTED_LANGUAGES = ("en",)

_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with"}
_REGION_NAMES = {
    "US": "the US", "GB": "the UK", "IN": "India", "BR": "Brazil", "DE": "Germany", "JP": "Japan",
    "FR": "France", "ES": "Spain", "MX": "Mexico", "CA": "Canada", "AU": "Australia", "IT": "Italy",
    "KR": "South Korea", "NL": "the Netherlands", "ID": "Indonesia", "NG": "Nigeria",
}
_SOURCE_NAMES = {"youtube": "YouTube", "google_trends": "Google searches", "x": "X", "reddit": "Reddit"}
_CATEGORY_STYLE = {
    "technology": "sleek tech aesthetic, cool blue and neon accents",
    "science": "clean laboratory aesthetic, soft white and teal light",
    "music": "concert lighting, deep purple and gold tones",
    "gaming": "vibrant game-art style, saturated colours",
    "entertainment": "cinematic lighting, warm tones",
    "sports": "dynamic stadium lighting, motion blur",
    "news": "documentary photo style, natural light",
}
_EXTRA_KIND = {
    "technology": "how_to", "science": "myth_vs_fact", "gaming": "prediction", "music": "timeline",
    "entertainment": "prediction", "sports": "prediction", "news": "timeline",
}
_LONG_FRIENDLY = {"technology", "science", "gaming", "education", "news"}

HOOKS = {
    "explainer": ["{T} is everywhere. Here's why.", "What is {T}, and why now?", "{T}, explained fast.",
                  "Everyone's searching {T}. Here's the short version."],
    "reaction": ["Wait, did {T} really just happen?", "Okay, we need to talk about {T}.",
                 "My honest take on {T}.", "I can't stop thinking about {T}."],
    "list": ["The {T} facts, one by one.", "{T}: the facts, fast.",
             "The {T} details that actually matter."],
    "myth_vs_fact": ["Most of what you heard about {T} is wrong.", "{T}: myth or fact?",
                     "Let's fact-check {T}."],
    "timeline": ["How {T} blew up, step by step.", "{T}: from zero to everywhere.",
                 "The {T} story, in order."],
    "how_to": ["Here's how to actually use {T}.", "Want in on {T}? Start here.", "{T}, the beginner's way."],
    "prediction": ["Where {T} goes next might surprise you.", "My bold prediction for {T}.",
                   "What happens next with {T}?"],
    "comparison": ["{T} versus the hype: who wins?", "Is {T} really better?", "{T}, compared honestly."],
}
TITLES = {
    "explainer": ["{T} Explained: Why Everyone Is Talking About It", "{T}, Explained",
                  "{T}: The Short Version"],
    "explainer_long": ["{T} Explained: The Full Story", "{T}: Everything You Need to Know"],
    "reaction": ["{T}: My Honest Reaction", "{T} — Reacting to the Moment Everyone's Talking About",
                 "{T}: Did That Really Just Happen?"],
    "list": ["{T}: {N} Things You Need to Know", "{T}: {N} Facts Worth Knowing",
             "{T} in {N} Points"],
    "myth_vs_fact": ["{T}: Myths vs Facts", "{T} — What's True and What Isn't"],
    "timeline": ["{T}: How It Blew Up, Step by Step", "{T} Timeline: From First Post to Everywhere"],
    "how_to": ["{T}: How to Get Started Today", "{T} — A Beginner's Guide"],
    "prediction": ["{T}: What Happens Next", "{T} — What to Watch in the Coming Weeks"],
    "comparison": ["{T} vs the Hype: An Honest Comparison", "{T} Compared: Is It Worth It?"],
}
# Where each kind of short plays best (the offline writer's preference; the platforms a piece is
# made for are the run's). Long form goes to every platform whose rules take an open-ended rendition.
SHORT_PLATFORMS = {
    "explainer": ["youtube", "tiktok", "instagram"],
    "reaction": ["tiktok", "instagram", "youtube"],
    "myth_vs_fact": ["tiktok", "youtube", "instagram"],
    "prediction": ["youtube", "tiktok"],
    "comparison": ["youtube", "instagram"],
    "timeline": ["youtube", "facebook"],
    "how_to": ["youtube", "facebook"],
    "list": ["youtube", "instagram", "facebook"],
}


def _long_platforms() -> list[str]:
    return [name for name, rule in platform_rules.all_rules().items()
            if any("max_seconds" not in spec for spec in rule["renditions"].values())]

SENTENCES = {
    "context": [
        "Over the last few days, {T} went from a niche conversation to one of the most searched topics in {R}.",
        "It is showing up on {S} at the same time, which usually means a real trend rather than a blip.",
        "People are not just scrolling past it: they are actively searching for {T} to understand what is going on.",
        "Most people first saw {T} as a clip or a headline, without any of the context.",
        "That missing context is exactly why so many different versions of the story are going around.",
        "If you follow {C}, you have probably seen {T} in your feed more than once this week.",
        "The interesting part is not the headline itself, but how quickly everyone started talking about it.",
        "Interest spread across regions within hours, which is rare for a topic this specific.",
    ],
    "points": [
        "{O}, look at who is talking about {T}: it is not only the usual {C} crowd.",
        "{O}, the timing matters. {T} took off fast, and fast trends attract hot takes before facts.",
        "{O}, check the original source before you share anything about {T}.",
        "{O}, the numbers: searches and views for {T} climbed sharply within a single day.",
        "{O}, {T} connects to a bigger shift in {C} that has been building for months.",
        "{O}, expect follow-ups. Stories like {T} rarely end with the first headline.",
        "{O}, not every claim about {T} holds up, and the loudest posts are often the least accurate.",
        "{O}, the people closest to {T} have said far less than the commentary suggests.",
        "{O}, the reaction differs a lot by country, so the story you see depends on where you are.",
        "{O}, this is exactly the kind of topic that gets misquoted, so read past the first line.",
    ],
    "reaction": [
        "Honestly, my first reaction to {T} was surprise at how fast it spread.",
        "What stands out is how split people are: some love it, some are already tired of it.",
        "The comments are the real story here, and they are more thoughtful than you would expect.",
        "It is easy to dismiss {T} as internet noise, but the interest looks genuine.",
        "I get why people are excited, and I also get why some are sceptical.",
        "The clips doing the rounds are dramatic, but the full picture is calmer than they suggest.",
    ],
    "myth": [
        "Myth: {T} came out of nowhere. Fact: the signs were there for weeks.",
        "Myth: everyone agrees on what {T} means. Fact: the conversation is deeply split.",
        "Myth: it will be forgotten by tomorrow. Fact: search interest is still climbing.",
        "Myth: the viral clip tells the whole story. Fact: the full context changes the picture.",
        "Myth: only {C} fans care. Fact: the audience is much wider than that.",
    ],
    "timeline": [
        "It started with a handful of posts about {T}.",
        "Within hours, the first reaction videos appeared and the topic jumped to {S}.",
        "By the next day, {T} was trending in {R}.",
        "Then the wider coverage arrived, and with it a wave of hot takes.",
        "Right now, we are in the phase where everyone is trying to work out what it means.",
    ],
    "how_to": [
        "Step one: go to the original source on {T}, not a reaction to it.",
        "Step two: compare at least two reliable accounts before you form an opinion.",
        "Step three: look for what has changed since the first reports, because details move fast.",
        "Step four: if you want to try it yourself, start small and see what works for you.",
        "And keep an eye on official updates, since early advice about {T} often gets revised.",
    ],
    "future": [
        "Here is what to watch next: whether {T} keeps growing outside {C} circles.",
        "My prediction: {T} gets a second wave when the follow-up news lands.",
        "If interest keeps climbing at this pace, expect creators and brands to jump on {T} within days.",
        "The next week will show whether this is a moment or the start of something bigger.",
        "Either way, {T} has already changed what a lot of people are searching for.",
    ],
    "matters": [
        "Why does it matter? Because {T} is a preview of where {C} is heading.",
        "It matters because conversations like this shape what people search, watch and buy next.",
        "The bigger lesson is how quickly a single topic can take over the whole conversation.",
    ],
    "filler": ["Keep that in mind.", "That part matters.", "Here is the thing.", "Think about that."],
}
CTAS = [
    "Follow for more trends explained fast.",
    "Subscribe so you never miss what's next.",
    "Tell me in the comments what you make of the {T} story.",
    "Share this with someone who keeps asking about the {T} story.",
]
ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"]

# Which sentence banks each kind draws on, in order (after the hook's scene).
STRUCTURE = {
    "explainer": ["context", "points", "matters", "future"],
    "reaction": ["reaction", "context", "reaction", "future"],
    "list": ["context", "points", "points", "matters"],
    "myth_vs_fact": ["context", "myth", "myth", "matters"],
    "timeline": ["timeline", "timeline", "context", "future"],
    "how_to": ["context", "how_to", "how_to", "matters"],
    "prediction": ["context", "future", "points", "future"],
    "comparison": ["context", "points", "reaction", "matters"],
}
CHAPTER_NAMES = {
    "context": "What's happening", "points": "Key points", "reaction": "The reaction", "myth": "Myths vs facts",
    "timeline": "How it unfolded", "how_to": "How to start", "future": "What's next", "matters": "Why it matters",
}
VISUALS = {
    "hook": "bold close-up shot that captures {T} at a glance, dramatic lighting",
    "context": "wide editorial illustration of people in different cities looking at phones about {T}",
    "points": "clean symbolic illustration about {T} with a few highlighted objects",
    "reaction": "expressive character reacting with surprise to news about {T} on a phone",
    "myth": "split composition, one side foggy and one side crisp, symbolising myths and facts about {T}",
    "timeline": "rising line of glowing milestones across the frame, the story of {T}",
    "how_to": "hands setting up something new on a desk, a first step into {T}",
    "future": "sunrise over a horizon suggesting what comes next for {T}",
    "matters": "zoomed-out view of a busy world map with highlighted hotspots, the reach of {T}",
    "outro": "warm closing shot with a soft glow, friendly and inviting, theme {T}",
}


_ACRONYMS = {
    "ai", "ar", "vr", "eu", "uk", "us", "un", "nba", "nfl", "nhl", "mlb", "ufc", "wwe", "fifa", "uefa", "nasa",
    "gpt", "gta", "bts", "cpu", "gpu", "ios", "pc", "ps5", "tv", "f1", "ceo", "fbi", "cia", "llm", "api", "usa",
    "esa", "ipo", "etf", "ev", "evs", "mvp", "dlc", "rpg", "fps", "mma", "bbc", "cnn", "hbo", "k-pop",
}


def display_term(term: str) -> str:
    """The key term as a title shows it: 'ai act vote' -> 'AI Act Vote'; mixed case is kept."""
    term = " ".join((term or "").split())[:60].strip(" -:;,.")
    if not term or term != term.lower():
        return term
    words = []
    for index, word in enumerate(term.split()):
        if word in _ACRONYMS or (len(word) <= 4 and word.isalpha() and not re.search(r"[aeiouy]", word)):
            words.append(word.upper())
        elif index and word in _SMALL_WORDS:
            words.append(word)
        else:
            words.append(word[:1].upper() + word[1:])
    return " ".join(words)


SPOKEN_TERM_WORDS = 5
# a head does not end on these: "the big story" cut after "the"
_TRAILING_SMALL = _SMALL_WORDS | {"is", "are", "just", "its"}


def spoken_term(term: str, limit: int = SPOKEN_TERM_WORDS) -> str:
    """The term as a narration says it again and again: a post's title used as a term ("iPhone 18 review
    roundup: battery is the big story") is said by its head ("iPhone 18 review roundup"), or by its first
    words, so the hook and the outro leave the facts room."""
    term = " ".join(term.split())
    if len(term.split()) <= limit:
        return term
    for mark in (":", " — ", " – ", " - ", " | ", ","):
        head = term.split(mark)[0].strip()
        if head and len(head.split()) <= limit:
            return head
    head = term.split()[:limit]
    while len(head) > 1 and head[-1].lower().strip(",.;:") in _TRAILING_SMALL:
        head.pop()
    return " ".join(head).rstrip(",:;—-")


def _rng(*parts: Any) -> random.Random:
    seed = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _fields(inputs: dict[str, Any]) -> dict[str, str]:
    regions = [_REGION_NAMES.get(str(r).upper(), str(r)) for r in (inputs.get("regions") or [])][:3]
    sources = [_SOURCE_NAMES.get(str(s), str(s)) for s in (inputs.get("sources") or [])][:3]
    category = str(inputs.get("category") or "general")
    return {
        "T": display_term(str(inputs.get("term") or inputs.get("title") or "this trend")),
        "R": _join(regions) or "several countries",
        "S": _join(sources) or "several platforms",
        "C": category if category != "general" else "online culture",
    }


def _fill(template: str, fields: dict[str, str], **extra: str) -> str:
    text = template
    for key, value in {**fields, **extra}.items():
        text = text.replace("{" + key + "}", value)
    return text


def words(text: str) -> int:
    return len(text.split())


# --- angles -----------------------------------------------------------------

def write_angles(inputs: dict[str, Any]) -> dict[str, Any]:
    """An AngleSet-shaped dict: 4 angles of different kinds for one trend."""
    fields = _fields(inputs)
    category = str(inputs.get("category") or "general").lower()
    score = float(inputs.get("score") or 0)
    rng = _rng("angles", inputs.get("term"), category)
    kinds = ["explainer", "reaction", "list", _EXTRA_KIND.get(category, "myth_vs_fact")]
    angles = []
    for kind in kinds:
        fmt = "short"
        if kind in ("timeline", "how_to") or (kind == "list" and score >= 0.5 and category in _LONG_FRIENDLY):
            fmt = "long"
        title_key = "explainer_long" if kind == "explainer" and fmt == "long" else kind
        count = rng.choice([3, 5, 5, 7]) if fmt == "long" else rng.choice([3, 3, 5])
        if inputs.get("facts"):   # a list names no more things than the brief has facts
            count = max(1, min(count, len(inputs["facts"])))
        count = str(count)
        hook = _pick_hook(rng, kind, fields)
        title = _fill(rng.choice(TITLES[title_key]), fields, N=count)
        known = platform_rules.platforms()
        platforms = (_long_platforms() if fmt == "long" else [p for p in SHORT_PLATFORMS[kind] if p in known]) \
            or list(known[:1])
        angles.append({"kind": kind, "hook": hook, "title": _trim_title(title), "platforms": list(platforms),
                       "format": fmt})
    return {"angles": angles}


def _pick_hook(rng: random.Random, kind: str, fields: dict[str, str]) -> str:
    """A hook of at most 9 words; a term too long for any template (a post's title as a term) is said
    by its first words."""
    templates = list(HOOKS[kind])
    rng.shuffle(templates)
    term = fields["T"].split()
    for size in range(len(term), 0, -1):
        short = {**fields, "T": " ".join(term[:size]).rstrip(",:;—-")}
        fitting = [h for h in (_fill(t, short) for t in templates) if words(h) <= 9]
        if fitting:
            return fitting[0]
    return min((_fill(t, fields) for t in templates), key=words)


def _trim_title(title: str, limit: int = 100) -> str:
    if len(title) <= limit:
        return title
    return title[: limit - 1].rsplit(" ", 1)[0].rstrip(" :—-,") + "…"


# --- scripts ----------------------------------------------------------------

def scene_plan(target_seconds: int) -> tuple[int, str]:
    """(scene count, format) for a target duration: ~8 s scenes for shorts, ~25 s for long form."""
    if target_seconds <= 90:
        return max(3, min(8, round(target_seconds / 8))), "short"
    return max(6, min(24, round(target_seconds / 25))), "long"


def write_script(inputs: dict[str, Any]) -> dict[str, Any]:
    """A ScriptDraft-shaped dict whose narration is close to ``words_budget`` words (at most, with facts)."""
    if inputs.get("facts"):
        return write_script_from_facts(inputs)
    fields = _fields(inputs)
    kind = str(inputs.get("kind") or "explainer")
    if kind not in STRUCTURE:
        kind = "explainer"
    target = int(inputs.get("target_seconds") or 30)
    budget = int(inputs.get("words_budget") or round(target * WORDS_PER_SECOND))
    count, fmt = scene_plan(target)
    count = int(inputs.get("scene_count") or count)
    rng = _rng("script", inputs.get("term"), kind, target)

    hook = str(inputs.get("hook") or "") or _pick_hook(rng, kind, fields)
    if words(hook) > 10:
        hook = _pick_hook(rng, kind, fields)
    title = str(inputs.get("title") or "") or _fill(rng.choice(TITLES[kind]), fields, N="5")
    cta = _fill(rng.choice(CTAS), fields)

    sections = _sections_for(kind, count)
    per_scene = [budget / count] * count
    banks = {name: [_fill(s, fields) for s in bank] for name, bank in SENTENCES.items()}
    for bank in banks.values():
        rng.shuffle(bank)
    state = {"point": 0, "rng": rng, "fresh": {n: list(b) for n, b in banks.items()}}
    scenes, spent = [], 0
    for index, section in enumerate(sections):
        parts = [hook] if index == 0 else []
        goal = sum(per_scene[: index + 1]) - spent
        closing = [cta] if index == count - 1 else []
        room = goal - words(" ".join(parts + closing))
        parts += _take(banks, section, room, state)
        parts += closing
        narration = " ".join(parts)
        spent += words(narration)
        chapter = None
        if fmt == "long" and (index in (0, 1, count - 1) or section != sections[index - 1]):
            chapter = "Intro" if index == 0 else ("Wrap-up" if index == count - 1 else CHAPTER_NAMES[section])
        visual_key = "hook" if index == 0 else ("outro" if index == count - 1 else section)
        scenes.append({
            "narration": narration,
            "visual_prompt": _visual(visual_key, fields, inputs),
            "chapter": chapter,
        })
    return {"title": _trim_title(title), "hook": hook, "scenes": scenes, "call_to_action": cta,
            "language": "en"}


def _sections_for(kind: str, count: int) -> list[str]:
    """Spread the kind's sections over ``count`` scenes; first is the hook scene, last the outro."""
    order = STRUCTURE[kind]
    if count <= 2:
        return [order[0]] * count
    middle = count - 2
    spread = [order[min(len(order) - 1, i * len(order) // middle)] for i in range(middle)]
    return [order[0]] + spread + [order[-1]]


def _take(banks: dict[str, list[str]], section: str, room: float, state: dict) -> list[str]:
    """Sentences from the section's bank (then its neighbours) filling about ``room`` words.

    Banks refill (reshuffled) once every bank is used up, so long form never runs dry;
    numbered points keep counting across the whole script.
    """
    chosen: list[str] = []
    left = room
    order = [section] + [s for s in ("context", "matters", "future", "reaction", "points") if s != section]
    refilled = False
    while left > 2:
        sentence = None
        for name in order:
            bank = banks[name]
            for i, candidate in enumerate(bank):
                text = candidate.replace("{O}", ORDINALS[state["point"] % len(ORDINALS)])
                if words(text) <= left + 3:
                    sentence = text
                    bank.pop(i)
                    if "{O}" in candidate:
                        state["point"] += 1
                    break
            if sentence:
                break
        if sentence is None and not refilled and not any(banks[n] for n in order if n != "filler"):
            for name in order:
                banks[name] = list(state["fresh"][name])
                state["rng"].shuffle(banks[name])
            refilled = True
            continue
        if sentence is None:
            fillers = [f for f in SENTENCES["filler"] if words(f) <= left + 1]
            if not fillers or left < 3:
                break
            sentence = fillers[int(left) % len(fillers)]
        chosen.append(sentence)
        left -= words(sentence)
    return chosen


def _visual(key: str, fields: dict[str, str], inputs: dict[str, Any]) -> str:
    style = _CATEGORY_STYLE.get(str(inputs.get("category") or "").lower(), "modern editorial illustration")
    return f"{_fill(VISUALS[key], fields)}, {style}, no text, no logos"


# --- scripts from a brief -------------------------------------------------------
# The order each angle kind says the facts in (the brief's rank decides within a kind).
FACT_PLANS = {
    "explainer": ["headline", "stat", "video", "quote", "series", "regions"],
    "reaction": ["quote", "headline", "video", "stat", "series", "regions"],
    "list": ["headline", "stat", "video", "quote", "series", "regions"],
    "myth_vs_fact": ["headline", "stat", "quote", "video", "series", "regions"],
    "timeline": ["headline", "quote", "video", "series", "stat", "regions"],
    "how_to": ["headline", "video", "quote", "stat", "series", "regions"],
    "prediction": ["series", "stat", "headline", "video", "quote", "regions"],
    "comparison": ["stat", "series", "video", "quote", "headline", "regions"],
}
FACT_HOOKS = {
    "explainer": ["{T}: here is what actually happened.", "What is going on with {T}?"],
    "reaction": ["Okay, we need to talk about {T}.", "Wait, did {T} really just happen?"],
    "list": ["{N} facts about {T}, with sources.", "{T}: {N} facts, with sources."],
    "myth_vs_fact": ["{T}: what is actually true?", "Let's check the facts on {T}."],
    "timeline": ["How {T} unfolded, in order.", "The {T} story, in order."],
    "how_to": ["Want to follow {T}? Start here.", "{T}: where to get the real story."],
    "prediction": ["Where is {T} heading next?", "What happens next with {T}?"],
    "comparison": ["{T}, by the numbers.", "How big is {T}, really?"],
}
FACT_CLOSINGS = {
    "explainer": "That is where the {T} story stands right now.",
    "reaction": "That is the reaction to {T} so far.",
    "list": "Those are the facts so far.",
    "myth_vs_fact": "Those are the facts, each with its source.",
    "timeline": "That is the story so far, in order.",
    "how_to": "Start with those sources if you want the full story.",
    "prediction": "What to watch next is whether that interest keeps climbing.",
    "comparison": "Side by side, that is how big {T} is right now.",
}
# Kinds whose angle titles promise what a script of facts does not do (a how-to, myths, a take of its own)
# get a title that says what the video is.
FACT_TITLES = {
    "reaction": "{T}: How People Are Reacting",
    "how_to": "{T}: Where to Get the Real Story",
    "myth_vs_fact": "{T}: What Is Actually True",
    "prediction": "{T}: What to Watch Next",
    "comparison": "{T}, by the Numbers",
}
FACT_CHAPTERS = {"headline": "What happened", "stat": "The numbers", "quote": "What people say",
                 "video": "What people watch", "series": "This week", "regions": "Where it trends"}
FACT_VISUALS = {
    "headline": "newsroom desk with a glowing screen, a breaking story about {T}",
    "stat": "bold abstract rising bars and light trails, the scale of interest in {T}",
    "quote": "people reading posts on their phones, an online discussion about {T}",
    "video": "a bright video screen in a dark room, a popular video about {T}",
    "regions": "a world map with glowing hotspots, where {T} trends",
    "series": "a glowing line climbing across a dark grid, a week of interest in {T}",
}
NUMBER_WORDS = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven",
                "Twelve"]
_LOWER_FIRST = {"The", "On", "Search", "Searches", "Posts", "It", "A", "An", "Another"}
_CLAUSE_START = {"the", "a", "an"}


def _count_words(value: Any) -> str:
    from acf.text.evidence import speak_count

    return speak_count(float(value))


def _quoted(text: str) -> str:
    text = text.strip()
    return f"'{text}'" if '"' in text else f'"{text}"'


def _reports(publisher: str, headline: str) -> str:
    """"<Publisher> reports that <headline>." when the headline reads as a clause, else its words quoted."""
    headline = headline.strip().rstrip(".")
    first = headline.split(" ", 1)[0]
    clause = (first.lower() in _CLAUSE_START and not re.search(r"[:?!|\"]", headline)
              and not re.search(r"\b(my|i|we|our|you|your)\b", headline, re.IGNORECASE))
    if clause:
        return f"{publisher} reports that {first.lower()}{headline[len(first):]}."
    return f"{publisher} ran the headline: {_quoted(headline)}."


def say_fact(fact: dict[str, Any], term: str, nth_of_kind: int = 0) -> str:
    """One spoken sentence for a fact, by its kind; its numbers rounded for speech, its quotes verbatim."""
    kind, text, source = fact.get("kind"), str(fact.get("text") or ""), str(fact.get("source") or "")
    numbers = fact.get("numbers") or {}
    if kind == "headline":
        return _reports(source or "One outlet", text)
    if kind == "quote":
        verb = "asks" if text.rstrip().endswith("?") else "says"
        end = "" if text.rstrip().endswith((".", "!", "?")) else "."
        if numbers.get("likes") is not None:  # a post on X, by its author's handle
            by = f" by {source}" if source.startswith("@") else ""
            return f"On X, a post{by} with {_count_words(numbers['likes'])} likes {verb}: {_quoted(text)}{end}"
        if numbers.get("comment_upvotes"):
            return (f"On {source}, a comment with {_count_words(numbers['comment_upvotes'])} upvotes {verb}: "
                    f"{_quoted(text)}{end}")
        upvotes = numbers.get("upvotes")
        who = f"a post with {_count_words(upvotes)} upvotes" if upvotes else "a post"
        return f"On {source}, {who} {verb}: {_quoted(text)}{end}"
    if kind == "video":
        views = numbers.get("views")
        where = f"from {source}" if source and source != "YouTube" else "on YouTube"
        # the brief knows some of the videos about the trend, not all of YouTube: no superlative
        lead = "One video" if nth_of_kind == 0 else "Another video"
        if views:
            return f"{lead}, {_quoted(text)} {where}, has {_count_words(views)} views."
        return f"{lead} is {_quoted(text)} {where}."
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _connect(sentence: str, lead: str) -> str:
    if not lead:
        return sentence
    first = sentence.split(" ", 1)[0]
    if first in _LOWER_FIRST:
        sentence = sentence[:1].lower() + sentence[1:]
    return f"{lead} {sentence}"


def _plan(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The facts in the order the kind says them: the first of each planned kind, then the rest by rank."""
    spoken = [f for f in facts if f.get("kind") in FACT_CHAPTERS]
    if kind == "timeline":
        timed = sorted([f for f in spoken if f.get("at")], key=lambda f: f["at"])
        return timed + [f for f in spoken if not f.get("at")]
    order = FACT_PLANS.get(kind, FACT_PLANS["explainer"])
    firsts = [next(f for f in spoken if f.get("kind") == k) for k in order if any(f.get("kind") == k for f in spoken)]
    return firsts + [f for f in spoken if f not in firsts]


def write_script_from_facts(inputs: dict[str, Any]) -> dict[str, Any]:
    """A ScriptDraft-shaped dict composed from ``inputs["facts"]``: at most ``words_budget`` words, one
    scene per fact said (each citing it) and the outro."""
    titled = _fields(inputs)
    fields = {**titled, "T": spoken_term(titled["T"])}   # what the narration says; titles keep the whole term
    kind = str(inputs.get("kind") or "explainer")
    kind = kind if kind in STRUCTURE else "explainer"
    target = int(inputs.get("target_seconds") or 30)
    budget = int(inputs.get("words_budget") or round(target * WORDS_PER_SECOND))
    fmt = str(inputs.get("format") or scene_plan(target)[1])
    rng = _rng("script-facts", inputs.get("term"), kind, target)
    term = fields["T"]
    cta = _fill(rng.choice(CTAS), fields)
    closing = _fill(FACT_CLOSINGS[kind], fields)
    outro = f"{closing} {cta}"

    planned = _plan(list(inputs["facts"]), kind)
    sentences: list[tuple[dict, str]] = []
    seen_kinds: dict[str, int] = {}
    for fact in planned:
        nth = seen_kinds.get(fact["kind"], 0)
        seen_kinds[fact["kind"]] = nth + 1
        sentences.append((fact, say_fact(fact, term, nth)))

    # Choose what fits: the outro's and the hook's words are kept back. A first fact too long for the room
    # gives way to one that fits; if none does, the shortest is said (a video states at least one fact).
    def choose(outro: str) -> list[tuple[dict, str]]:
        room = budget - words(outro) - HOOK_MAX_WORDS
        chosen: list[tuple[dict, str]] = []
        for fact, sentence in sentences:
            if words(sentence) <= room:
                chosen.append((fact, sentence))
                room -= words(sentence)
        return chosen

    chosen = choose(outro)
    if not chosen and sentences:
        # A short video with long facts: the outro shrinks to the shortest call to action before a fact goes.
        cta = min((_fill(c, fields) for c in CTAS), key=words)
        outro = cta
        chosen = choose(outro) or [min(sentences, key=lambda pair: words(pair[1]))]
    items = len(chosen)
    hook = _fill(rng.choice(FACT_HOOKS[kind]), fields, N=NUMBER_WORDS[min(items, 12)] if items else "The")
    if words(hook) > HOOK_MAX_WORDS:
        hook = f"{spoken_term(term, HOOK_MAX_WORDS - 2)}: the facts."

    # One fact per scene before the outro: a scene shows one fact's card, so two facts under one would
    # leave the second unseen.
    slots = max(1, len(chosen))
    groups: list[list[tuple[dict, str]]] = [[] for _ in range(slots)] if chosen else []
    for position, (fact, sentence) in enumerate(chosen):
        if kind == "list":
            sentence = _connect(sentence, f"{ORDINALS[position % len(ORDINALS)]},")
        elif kind == "timeline":
            lead = "First," if position == 0 else ("Now," if position == len(chosen) - 1 else "Then,")
            sentence = _connect(sentence, lead)
        # the hook's scene gets the fewest (it also says the hook), later scenes the extra ones
        groups[slots - 1 - (len(chosen) - 1 - position) * slots // len(chosen)].append((fact, sentence))

    scenes = []
    for index, group in enumerate(groups):
        narration = " ".join(([hook] if index == 0 else []) + [s for _, s in group])
        lead_kind = group[0][0]["kind"]
        chapter = None
        if fmt == "long":
            chapter = "Intro" if index == 0 else FACT_CHAPTERS.get(lead_kind)
            if index and scenes and scenes[-1].get("_kind") == lead_kind:
                chapter = None
        scenes.append({"narration": narration, "visual_prompt": _fact_visual(lead_kind, fields, inputs),
                       "chapter": chapter, "fact_ids": [f["id"] for f, _ in group], "_kind": lead_kind})
    if not scenes:
        scenes.append({"narration": hook, "visual_prompt": _visual("hook", fields, inputs), "chapter": None,
                       "fact_ids": [], "_kind": ""})
    scenes.append({"narration": outro, "visual_prompt": _visual("outro", fields, inputs),
                   "chapter": "Wrap-up" if fmt == "long" else None, "fact_ids": []})
    for scene in scenes:
        scene.pop("_kind", None)

    from acf.text.evidence import honest_title

    title = _fill(FACT_TITLES.get(kind, ""), titled) or str(inputs.get("title") or "") \
        or _fill(rng.choice(TITLES[kind]), titled, N=str(items))
    title = honest_title(title, words(" ".join(s["narration"] for s in scenes)) / WORDS_PER_SECOND,
                         items if kind == "list" else None)
    return {"title": _trim_title(title), "hook": hook, "scenes": scenes, "call_to_action": cta, "language": "en"}


def _fact_visual(kind: str, fields: dict[str, str], inputs: dict[str, Any]) -> str:
    style = _CATEGORY_STYLE.get(str(inputs.get("category") or "").lower(), "modern editorial illustration")
    return f"{_fill(FACT_VISUALS.get(kind, VISUALS['points']), fields)}, {style}, no text, no logos"


def write(task: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if task == "angles":
        return write_angles(inputs)
    if task == "script":
        return write_script(inputs)
    raise ValueError(f"the local writer has no task {task!r}")
