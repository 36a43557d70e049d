"""What every text call must return, as pydantic models (validated, then retried once on error)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from acf import platform_rules

ANGLE_KINDS = (
    "explainer", "reaction", "list", "myth_vs_fact", "timeline", "how_to", "prediction", "comparison",
)
AngleKind = Literal[
    "explainer", "reaction", "list", "myth_vs_fact", "timeline", "how_to", "prediction", "comparison"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AngleDraft(_Strict):
    kind: AngleKind
    hook: str = Field(min_length=8, max_length=160, description="one spoken line for the first 3 seconds")
    title: str = Field(min_length=4, max_length=100, description="starts with the key term")
    platforms: list[str] = Field(min_length=1, description="target platforms, from the platform rules")
    format: Literal["short", "long"]

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        known = platform_rules.platforms()
        unknown = [p for p in value if p not in known]
        if unknown:
            raise ValueError(f"unknown platforms {unknown}; known: {', '.join(known)}")
        return list(dict.fromkeys(value))


class AngleSet(_Strict):
    angles: list[AngleDraft] = Field(min_length=3, max_length=6)

    @model_validator(mode="after")
    def _distinct_kinds(self) -> "AngleSet":
        kinds = [a.kind for a in self.angles]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"each angle needs a different kind, got {kinds}")
        return self


class SceneDraft(_Strict):
    narration: str = Field(min_length=3, max_length=1200, description="spoken text of the scene")
    visual_prompt: str = Field(min_length=3, max_length=400, description="what the scene's image shows")
    chapter: str | None = Field(default=None, max_length=60, description="long form: chapter starting here")
    fact_ids: list[str] = Field(default_factory=list, max_length=8,
                                description="ids of the brief's facts this scene states (data.facts[].id)")


class ScriptDraft(_Strict):
    title: str = Field(min_length=4, max_length=100)
    hook: str = Field(min_length=4, max_length=120)
    scenes: list[SceneDraft] = Field(min_length=1, max_length=40)
    call_to_action: str = Field(min_length=4, max_length=160)
