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


@dataclass
class Scene:
    index: int
    narration: str           # spoken text, also the caption text
    visual_prompt: str       # what the image for the scene shows
    seconds: float           # planned length; the voice's real duration replaces it


@dataclass
class Script:
    title: str
    hook: str                # spoken in the first 3 seconds (scene 0 starts with it)
    scenes: list[Scene]
    call_to_action: str
    language: str = "en"
    chapters: list[tuple[float, str]] = field(default_factory=list)  # (start second, label), long form
