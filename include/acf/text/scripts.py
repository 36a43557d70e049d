"""The script writer of the production stage: an angle -> a narrated, timed Script.

    script = write_script(angle, target_seconds=45, language="en", tier="offline")

Shorts (up to 90 s) get 3-8 scenes; long form (3-10 min) gets 6-24 scenes with
chapter markers. Narration is sized at 2.6 spoken words per second and each
scene's planned seconds come from its words, scaled so they add up to the
target. Scene 0 starts with the hook (spoken in the first ~3 s); the last
scene's narration ends with the call to action, which is also returned on its
own (for descriptions and end cards) and must not be spoken twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acf.content_models import Angle, Scene, Script
from acf.ids import normalise_text
from acf.text import local_writer, prompts
from acf.text.guard import injection_reason
from acf.text.schemas import ScriptDraft
from acf.text.providers import Resolver
from acf.text.service import TextGenerator

WORDS_PER_SECOND = local_writer.WORDS_PER_SECOND
MIN_SECONDS, MAX_SECONDS = 5, 1200
HOOK_MAX_WORDS = 9


@dataclass
class ScriptResult:
    script: Script
    provider: str
    model: str
    prompt_version: str
    cache_hit: bool
    skipped: list[tuple[str, str]] = field(default_factory=list)


def write_script(
    angle: Angle,
    target_seconds: int,
    language: str = "en",
    tier: str = "offline",
    *,
    conn: Any = None,
    run_id: str | None = None,
    content_id: str | None = None,
    generator: TextGenerator | None = None,
) -> Script:
    """A Script for ``angle`` fitted to ``target_seconds`` (see :func:`draft_script` for provenance)."""
    return draft_script(angle, target_seconds, language, tier, conn=conn, run_id=run_id,
                        content_id=content_id, generator=generator).script


def draft_script(
    angle: Angle,
    target_seconds: int,
    language: str = "en",
    tier: str = "offline",
    *,
    conn: Any = None,
    run_id: str | None = None,
    content_id: str | None = None,
    generator: TextGenerator | None = None,
    resolver: Resolver | None = None,
) -> ScriptResult:
    """Like :func:`write_script`, also saying which provider/model/prompt made it and whether it was cached.

    Raises ValueError for a target outside 5..1200 s, PromptInjectionError for an angle
    whose text reads like instructions, StructuredOutputError when the model's output
    failed validation twice, AllProvidersFailedError when every provider failed.
    """
    target_seconds = int(target_seconds)
    if not MIN_SECONDS <= target_seconds <= MAX_SECONDS:
        raise ValueError(f"target_seconds must be {MIN_SECONDS}..{MAX_SECONDS}, got {target_seconds}")
    generator = generator or TextGenerator(tier, conn=conn, run_id=run_id, resolver=resolver)
    inputs = script_inputs(angle, target_seconds, language)
    result = generator.generate(
        prompts.SCRIPT, inputs, check=_checker(inputs),
        opportunity_id=angle.opportunity_id or None, content_id=content_id,
    )
    spoken_language = language
    if result.provider == local_writer.PROVIDER and language not in local_writer.SUPPORTED_LANGUAGES:
        spoken_language = "en"
    script = fit_script(result.value, target_seconds, spoken_language)
    return ScriptResult(script, result.provider, result.model, result.prompt_version, result.cache_hit,
                        result.skipped)


def script_inputs(angle: Angle, target_seconds: int, language: str) -> dict[str, Any]:
    scenes, fmt = local_writer.scene_plan(target_seconds)
    extra = angle.extra or {}
    term = angle.term or extra.get("term") or angle.title.split(":")[0]
    return {
        "term": term,
        "kind": angle.kind,
        "title": angle.title,
        "hook": angle.hook,
        "format": fmt,
        "target_seconds": target_seconds,
        "words_budget": round(target_seconds * WORDS_PER_SECOND),
        "scene_count": scenes,
        "language": language,
        "category": extra.get("category", "general"),
        "regions": list(extra.get("regions", []))[:3],
        "sources": list(extra.get("sources", []))[:3],
    }


def _checker(inputs: dict[str, Any]):
    budget = inputs["words_budget"]

    def check(draft: ScriptDraft) -> list[str]:
        problems = []
        spoken = sum(len(s.narration.split()) for s in draft.scenes)
        if not 0.75 * budget <= spoken <= 1.25 * budget:
            problems.append(f"the narration has {spoken} words in total; it needs about {budget}")
        if len(draft.hook.split()) > HOOK_MAX_WORDS:
            problems.append(f"the hook has {len(draft.hook.split())} words; at most {HOOK_MAX_WORDS}")
        if inputs["format"] == "long" and inputs["target_seconds"] >= 180:
            if sum(1 for s in draft.scenes if s.chapter) < 3:
                problems.append("long form needs at least 3 scenes with a 'chapter' label, the first on scene 0")
        for text in [draft.title, draft.hook, draft.call_to_action] + [s.narration for s in draft.scenes]:
            if reason := injection_reason(text):
                problems.append(f"the output contains instruction-like text ({reason})")
                break
        return problems

    return check


def fit_script(draft: ScriptDraft, target_seconds: int, language: str = "en") -> Script:
    """Scenes timed from their words (2.6 words/s), scaled to add up to ``target_seconds``."""
    narrations = [s.narration.strip() for s in draft.scenes]
    hook = draft.hook.strip()
    if not normalise_text(narrations[0]).startswith(normalise_text(hook).rstrip(".!?")):
        narrations[0] = f"{hook} {narrations[0]}"
    raw = [max(1.5, len(n.split()) / WORDS_PER_SECOND) for n in narrations]
    scale = target_seconds / sum(raw)
    seconds = [round(r * scale, 2) for r in raw]
    seconds[-1] = round(target_seconds - sum(seconds[:-1]), 2)
    scenes = [Scene(index=i, narration=n, visual_prompt=s.visual_prompt.strip(), seconds=sec)
              for i, (n, s, sec) in enumerate(zip(narrations, draft.scenes, seconds))]
    chapters: list[tuple[float, str]] = []
    if target_seconds >= 180:
        start = 0.0
        for scene, source in zip(scenes, draft.scenes):
            if source.chapter:
                chapters.append((round(start, 2), source.chapter.strip()))
            start += scene.seconds
        if chapters and chapters[0][0] != 0.0:
            chapters.insert(0, (0.0, "Intro"))
    return Script(title=draft.title.strip(), hook=hook, scenes=scenes,
                  call_to_action=draft.call_to_action.strip(), language=language, chapters=chapters)
