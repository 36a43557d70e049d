"""TrendAnalyzer: how good an opportunity each trend is, and whether it is safe to make.

score = brand_safety x (0.35 trend score + 0.20 (1 - competition) + 0.20 freshness + 0.25 niche fit)

- trend score: the trend stage's own 0..1 score (velocity, breadth, engagement...).
- competition: how saturated the topic already is on YouTube (0 = nobody covers it, 1 = crowded).
- freshness: recency of the last sighting (half-life 12 h) and novelty of the first (half-life 72 h).
- niche fit: the trend's category is a configured niche (1.0), its words match one (0.7), other (0.3-0.4).
- brand safety: tragedies, adult content, hate, configured blocked words/topics and prompt-injection
  attempts are skipped with a reason; sensitive words (caution list) lower the factor.
All lists are data (brand_safety.yaml, niches.yaml, settings).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from acf import yaml_data

from acf import platform_rules
from acf import settings as settings_module
from acf.ids import normalise_text, stable_id
from acf.opportunities.models import Opportunity
from acf.text.guard import injection_reason
from acf.trends.models import Trend

HERE = Path(__file__).parent
WEIGHTS = {"trend_score": 0.35, "opportunity_gap": 0.20, "freshness": 0.20, "niche_fit": 0.25}
UNKNOWN_COMPETITION = 0.5


@lru_cache(maxsize=1)
def brand_rules() -> dict:
    return yaml_data.load((HERE / "brand_safety.yaml").read_text())


@lru_cache(maxsize=1)
def niche_words() -> dict[str, list[str]]:
    return yaml_data.load((HERE / "niches.yaml").read_text())


def competition_from_youtube(videos: int, top_views: int = 0) -> float:
    """0..1 saturation from how many YouTube videos already cover the topic and how big the top one is."""
    count_part = 1 - math.exp(-max(0, videos) / 8)
    views_part = min(1.0, math.log10(1 + max(0, top_views)) / 7)
    return round(0.7 * count_part + 0.3 * views_part, 4)


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(normalise_text(phrase))}(?!\w)", text) is not None


_WORDS = re.compile(r"\w+")


@lru_cache(maxsize=8)
def _skip_words(extra: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """(single words, phrases) of brand safety's skip lists and ``extra`` blocked terms, normalised, each
    with its reason."""
    found = {normalise_text(w): f"{group} ({w!r})" for group, ws in brand_rules()["skip"].items() for w in ws}
    found.update({normalise_text(w): f"blocked term ({w!r})" for w in extra if w.strip()})
    singles = {w: reason for w, reason in found.items() if _WORDS.fullmatch(w)}
    return singles, {w: reason for w, reason in found.items() if w and w not in singles}


def skip_reason(text: str, extra: tuple[str, ...] = ()) -> str | None:
    """Why brand safety would not use ``text`` (a skip word of brand_safety.yaml or a blocked term in
    ``extra``, as a whole word or phrase of the normalised text), or None. Cheap enough for many texts:
    a set lookup per word, a substring check per phrase."""
    normal = normalise_text(text or "")
    singles, phrases = _skip_words(tuple(extra))
    for word in _WORDS.findall(normal):
        if word in singles:
            return f"brand safety: {singles[word]}"
    for phrase, reason in phrases.items():
        if phrase in normal and _phrase_in(phrase, normal):
            return f"brand safety: {reason}"
    return None


@dataclass
class TrendAnalyzer:
    niches: tuple[str, ...] = ()
    blocked_terms: tuple[str, ...] = ()
    blocked_topics: tuple[str, ...] = ()
    now: datetime | None = None
    weights: dict = field(default_factory=lambda: dict(WEIGHTS))

    @classmethod
    def from_settings(cls, settings: settings_module.Settings | None = None, now: datetime | None = None):
        s = settings or settings_module.load()
        return cls(niches=tuple(s.niches), blocked_terms=tuple(s.blocked_terms),
                   blocked_topics=tuple(s.blocked_topics), now=now)

    # --- components -------------------------------------------------------
    def safety(self, trend: Trend) -> tuple[float, str | None]:
        """(factor, skip reason or None)."""
        if reason := injection_reason(trend.term) or injection_reason(trend.title):
            return 0.0, reason
        text = normalise_text(f"{trend.term} {trend.title}")
        category = normalise_text(trend.category or "")
        for topic in self.blocked_topics:
            if normalise_text(topic) == category or _phrase_in(topic, text):
                return 0.0, f"blocked topic: {topic!r}"
        for word in self.blocked_terms:
            if _phrase_in(word, text):
                return 0.0, f"blocked term: {word!r}"
        rules = brand_rules()
        for group, words in rules["skip"].items():
            for word in words:
                if _phrase_in(word, text):
                    return 0.0, f"brand safety: {group} ({word!r})"
        caution = rules.get("caution", {})
        for word in caution.get("words", []):
            if _phrase_in(word, text):
                return float(caution.get("factor", 0.6)), None
        return 1.0, None

    def freshness(self, trend: Trend) -> float:
        now = self.now or datetime.now(timezone.utc)
        since_last = max(0.0, (now - trend.last_seen).total_seconds() / 3600)
        since_first = max(0.0, (now - trend.first_seen).total_seconds() / 3600)
        recency = 0.5 ** (since_last / 12)
        novelty = 0.5 ** (since_first / 72)
        return round(recency * (0.6 + 0.4 * novelty), 4)

    def niche_fit(self, trend: Trend) -> tuple[float, str | None]:
        if not self.niches:
            return 0.5, None
        configured = {normalise_text(n) for n in self.niches}
        category = normalise_text(trend.category or "")
        if category in configured:
            return 1.0, category
        text = normalise_text(f"{trend.term} {trend.title}")
        best: tuple[float, str | None] = (0.4 if category in ("", "general") else 0.3, None)
        for niche, words in niche_words().items():
            if any(_phrase_in(w, text) for w in words):
                fit = 0.7 if normalise_text(niche) in configured else 0.3
                if fit > best[0]:
                    best = (fit, niche)
        return best

    # --- the score ----------------------------------------------------------
    def analyze(self, trend: Trend, competition: float | None = None,
                past_performance: float = 1.0) -> Opportunity:
        """Score one trend. ``past_performance`` is the feedback multiplier (0.5..1.5, 1.0 when
        nothing is known) of how this category did on our platforms before (acf.analytics.feedback)."""
        safety, reason = self.safety(trend)
        fit, niche = self.niche_fit(trend)
        comp = UNKNOWN_COMPETITION if competition is None else max(0.0, min(1.0, competition))
        parts = {
            "trend_score": round(max(0.0, min(1.0, trend.score)), 4),
            "opportunity_gap": round(1 - comp, 4),
            "freshness": self.freshness(trend),
            "niche_fit": fit,
        }
        raw = sum(self.weights[k] * v for k, v in parts.items())
        components = {
            **parts, "competition": comp, "competition_known": competition is not None,
            "brand_safety": safety, "niche": niche, "weights": self.weights, "raw_score": round(raw, 4),
            "past_performance": round(past_performance, 4),
        }
        opportunity_id = stable_id("opp", trend.trend_id)
        if reason:
            return Opportunity(opportunity_id, trend.trend_id, 0.0, components, "skipped", reason)
        score = min(1.0, safety * raw * past_performance)
        return Opportunity(opportunity_id, trend.trend_id, round(score, 4), components)

    def analyze_all(self, trends: list[Trend], competition: dict[str, float] | None = None,
                    performance: dict | None = None) -> list[Opportunity]:
        """Score all; ``performance`` is ``category_platform_performance()``'s result (feedback)."""
        from acf.analytics.feedback import performance_multiplier

        competition = competition or {}
        performance = performance or {}
        scored = [
            self.analyze(t, competition.get(t.trend_id),
                         performance_multiplier(performance, t.category, platform_rules.platforms()))
            for t in trends
        ]
        return sorted(scored, key=lambda o: (-o.score, o.opportunity_id))
