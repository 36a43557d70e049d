"""The content types handed from stage to stage: the angle an opportunity yields, the script written for it.

The opportunity stage makes Angles, the text stage turns an Angle into a Script, the
production stage renders the Script's Scenes. They live here, outside every stage
package, so each stage imports the types of the one before without importing that stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Angle:
    angle_id: str
    opportunity_id: str
    kind: str                     # explainer | reaction | list | ...
    hook: str
    title: str
    platforms: list[str]
    format: str                   # short | long
    estimated_value: float
    provider: str
    model: str
    prompt_version: str
    term: str = ""                # the trend's key term, for downstream SEO
    extra: dict = field(default_factory=dict)


FACT_KINDS = ("headline", "stat", "series", "quote", "regions", "video", "list")


@dataclass(frozen=True)
class Fact:
    """One thing known about a trend, with where it was seen: what scripts cite and scenes show.

    ``kind`` picks the scene template: headline (publisher, headline, time), stat (one number and its
    label), series (a curve: ``points``), quote (a post or comment, verbatim, with its author or
    community), regions (where it trends, ranked: ``points`` of (region, value)), video (a title and
    its views), list (numbered items: ``points`` of (item, value or None)).
    """
    fact_id: str                  # unique within its brief, e.g. "f3"
    kind: str
    text: str                     # one plain sentence that may be spoken or shown
    source: str                   # publisher, "Google Trends", "r/<sub>", "@handle", channel
    url: str = ""
    at: str = ""                  # ISO-8601 UTC time the source gives, "" when it gives none
    numbers: dict = field(default_factory=dict)   # label -> number, the only numbers a script may say
    points: list = field(default_factory=list)    # [label, value] pairs for series, regions, list


@dataclass
class Scene:
    index: int
    narration: str           # spoken text, also the caption text
    visual_prompt: str       # what the image for the scene shows
    seconds: float           # planned length; the voice's real duration replaces it
    fact_ids: list[str] = field(default_factory=list)   # the facts this scene says and shows


@dataclass
class Script:
    title: str
    hook: str                # spoken in the first 3 seconds (scene 0 starts with it)
    scenes: list[Scene]
    call_to_action: str
    language: str = "en"
    chapters: list[tuple[float, str]] = field(default_factory=list)  # (start second, label), long form
    facts: list[Fact] = field(default_factory=list)   # the brief's facts the scenes cite

    def facts_of(self, scene: Scene) -> list[Fact]:
        by_id = {fact.fact_id: fact for fact in self.facts}
        return [by_id[fid] for fid in scene.fact_ids if fid in by_id]
