"""OpportunityEngine: angles (explainer, reaction, list, ...) for an opportunity, through a TextGenerator.

The model proposes kind, hook, title, platforms and format; the estimated value
is computed here from the opportunity score, so it is comparable across providers.
Every angle records the provider, model and prompt version that made it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from acf.content_models import Angle, Fact
from acf.ids import normalise_text, stable_id
from acf.opportunities.models import Opportunity
from acf.text import prompts
from acf.text.guard import clean_data_text, injection_reason, redact
from acf.text.evidence import length_promise, unsupported_numbers, without_counts
from acf.text.schemas import AngleSet
from acf.text.service import Generated, TextGenerator
from acf.trends.models import Trend

KIND_WEIGHT = {
    "explainer": 1.0, "list": 0.95, "myth_vs_fact": 0.9, "how_to": 0.9, "reaction": 0.85,
    "comparison": 0.85, "timeline": 0.8, "prediction": 0.8,
}
FORMAT_WEIGHT = {"short": 1.0, "long": 1.15}   # long form earns more per view, shorts reach more
HOOK_MAX_WORDS = 12
ANGLE_FACTS = 6   # of the brief's facts, best first, shown to the angle writer as data


def estimated_value(score: float, kind: str, fmt: str, platforms: list[str]) -> float:
    reach = 0.7 + 0.1 * len(set(platforms))
    return round(score * KIND_WEIGHT.get(kind, 0.8) * FORMAT_WEIGHT.get(fmt, 1.0) * reach, 4)


def angle_inputs(trend: Trend, opportunity: Opportunity, facts: list[Fact] | None = None) -> dict:
    """What the model sees: the trend's fields as data, trimmed and cleaned, and its brief's best facts."""
    brief = [{"id": f.fact_id, "kind": f.kind, "text": f.text, "source": f.source, "numbers": dict(f.numbers)}
             for f in (facts or [])[:ANGLE_FACTS]]
    return {
        **({"facts": brief} if brief else {}),
        "term": clean_data_text(trend.term, 80),
        "title": clean_data_text(trend.title, 200),
        "category": clean_data_text(trend.category or "general", 40),
        "regions": list(trend.regions)[:5],
        "sources": list(trend.sources)[:4],
        "score": round(opportunity.score, 2),
    }


def starts_with_term(title: str, term: str) -> bool:
    """The title's first words are the term's (case, accents-as-typed and punctuation aside)."""
    term_words = re.findall(r"\w+", normalise_text(term))[:6]
    return bool(term_words) and re.findall(r"\w+", normalise_text(title))[: len(term_words)] == term_words


def angle_check(term: str, facts: list[Fact] | None = None):
    """Title and hook rules; with the brief's ``facts``, also no number none of them holds and no
    length promised (the video is as long as its facts carry, not known yet)."""
    def check(angle_set: AngleSet) -> list[str]:
        problems = []
        for i, angle in enumerate(angle_set.angles):
            if facts:
                said = without_counts(f"{angle.title} {angle.hook}", len(facts))
                if invented := unsupported_numbers(said, facts, (term,)):
                    problems.append(f"angles.{i} says {', '.join(f'{n:g}' for n in invented[:3])}, "
                                    "which no fact in data.facts holds")
                if length_promise(angle.title) is not None:
                    problems.append(f"angles.{i}.title promises a length; the video is as long as its facts")
            if not starts_with_term(angle.title, term):
                problems.append(f"angles.{i}.title must start with the key term {term!r}")
            if len(angle.hook.split()) > HOOK_MAX_WORDS:
                problems.append(f"angles.{i}.hook has {len(angle.hook.split())} words; at most {HOOK_MAX_WORDS}")
            for text in (angle.title, angle.hook):
                if reason := injection_reason(text):
                    problems.append(f"angles.{i} contains instruction-like text ({reason})")
        return problems

    return check


@dataclass
class AngleBatch:
    angles: list[Angle]
    generated: Generated


class OpportunityEngine:
    def __init__(self, generator: TextGenerator) -> None:
        self.generator = generator

    def angles_for(self, opportunity: Opportunity, trend: Trend, facts: list[Fact] | None = None) -> AngleBatch:
        """At least three angles for the opportunity, its brief's best ``facts`` in the data. Raises
        PromptInjectionError / StructuredOutputError (skip the item) or AllProvidersFailedError (every
        provider failed)."""
        inputs = angle_inputs(trend, opportunity, facts)
        shown = list(facts or [])[:ANGLE_FACTS]
        generated = self.generator.generate(
            prompts.ANGLES, inputs, check=angle_check(inputs["term"], shown), opportunity_id=opportunity.opportunity_id
        )
        extra = {
            "category": inputs["category"], "regions": inputs["regions"], "sources": inputs["sources"],
            "trend_title": inputs["title"], "cache_hit": generated.cache_hit,
            "fallbacks": [redact(f"{name}: {why}") for name, why in generated.skipped],
        }
        angles = [
            Angle(
                angle_id=stable_id("ang", opportunity.opportunity_id, draft.kind),
                opportunity_id=opportunity.opportunity_id,
                kind=draft.kind,
                hook=draft.hook,
                title=draft.title,
                platforms=list(draft.platforms),
                format=draft.format,
                estimated_value=estimated_value(opportunity.score, draft.kind, draft.format, draft.platforms),
                provider=generated.provider,
                model=generated.model,
                prompt_version=generated.prompt_version,
                term=inputs["term"],
                extra=dict(extra),
            )
            for draft in generated.value.angles
        ]
        angles.sort(key=lambda a: (-a.estimated_value, a.kind))
        return AngleBatch(angles, generated)
