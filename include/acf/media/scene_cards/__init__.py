"""Scene cards: what each scene shows of the facts it cites, one template per fact kind.

``choose`` picks a scene's card: the first fact the scene cites; when it cites none, one of
the trend's own facts (its numbers and signals, in turn); else the narration as a title card.
``compose`` draws it for an aspect; ``design`` holds the tokens every card is laid out from.
"""
from __future__ import annotations

from acf.content_models import Fact, Scene, Script
from acf.media.scene_cards.compose import CardSpec, Motion, SceneLayers, compose, layout

__all__ = ["CardSpec", "Motion", "SceneLayers", "choose", "choose_all", "compose", "layout"]


def choose(script: Script, scene: Scene, *, trend_facts: list[Fact] = (), category: str = "general",
           position: int = 0) -> CardSpec:
    """The card of ``scene``; ``position`` counts the scenes before it that cited no fact, so each of the
    trend's facts is shown once, in turn, and the scenes after them get title cards."""
    cited = script.facts_of(scene)
    if cited:
        return CardSpec(cited[0].kind, cited[0], category, tuple(f.fact_id for f in cited), "script")
    if position < len(trend_facts):
        fact = list(trend_facts)[position]
        return CardSpec(fact.kind, fact, category, (), "trend")
    kicker = category.capitalize() if category and category != "general" else ""
    return CardSpec("title", Fact("", "title", scene.narration, kicker), category, (), "narration")


def choose_all(script: Script, *, trend_facts: list[Fact] = (), category: str = "general") -> dict[int, CardSpec]:
    """Every scene's card, by scene index. The hook scene without a fact of its own gets its title card."""
    cards, uncited = {}, 0
    for position, scene in enumerate(script.scenes):
        if position == 0 and not script.facts_of(scene):
            cards[scene.index] = choose(script, scene, category=category)
            continue
        cards[scene.index] = choose(script, scene, trend_facts=trend_facts, category=category, position=uncited)
        uncited += 0 if script.facts_of(scene) else 1
    return cards
