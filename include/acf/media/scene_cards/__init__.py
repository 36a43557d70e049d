"""Scene cards: what each scene shows of the facts it cites, one template per fact kind.

``choose`` picks a scene's card: the first fact the scene cites; when it cites none, one of
the trend's own facts (its numbers and signals, in turn); else the narration as a title card.
``compose`` draws it for an aspect; ``design`` holds the tokens every card is laid out from.
"""
from __future__ import annotations

from acf.content_models import Fact, Scene, Script
from acf.media.scene_cards.compose import CardSpec, Cover, SceneLayers, Sequence, compose, layout

__all__ = ["CardSpec", "Cover", "SceneLayers", "Sequence", "choose", "compose", "layout"]


def choose(script: Script, scene: Scene, *, trend_facts: list[Fact] = (), category: str = "general",
           position: int = 0) -> CardSpec:
    """The card of ``scene`` (``position``: its place among the body scenes, to take trend facts in turn)."""
    cited = script.facts_of(scene)
    if cited:
        return CardSpec(cited[0].kind, cited[0], category, tuple(f.fact_id for f in cited), "script")
    if trend_facts:
        fact = list(trend_facts)[position % len(trend_facts)]
        return CardSpec(fact.kind, fact, category, (), "trend")
    return CardSpec("title", Fact("", "title", scene.narration, category.capitalize() if category else ""),
                    category, (), "narration")
