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

from acf.content_models import Angle, Fact, Scene, Script
from acf.ids import normalise_text
from acf.text import local_writer, prompts
from acf.text.evidence import honest_title, unsupported_numbers
from acf.text.guard import injection_reason
from acf.text.schemas import ScriptDraft
from acf.text.providers import Resolver
from acf.text.service import TextGenerator

WORDS_PER_SECOND = local_writer.WORDS_PER_SECOND
MIN_SECONDS, MAX_SECONDS = 5, 1200
HOOK_MAX_WORDS = local_writer.HOOK_MAX_WORDS


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
    facts: list[Fact] | None = None,
) -> Script:
    """A Script for ``angle`` fitted to ``target_seconds`` (see :func:`draft_script` for provenance)."""
    return draft_script(angle, target_seconds, language, tier, conn=conn, run_id=run_id,
                        content_id=content_id, generator=generator, facts=facts).script


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
    facts: list[Fact] | None = None,
) -> ScriptResult:
    """Like :func:`write_script`, also saying which provider/model/prompt made it and whether it was cached.

    ``facts`` is the opportunity's research brief (``acf.opportunities.store.load_brief``; the
    caller reads it: the text stage imports no other stage). With facts the script is written
    from them (each scene cites the facts it states, no number that none of them holds) and is
    as long as they carry, up to the target; without any, the writer falls back to the trend's
    own fields.

    Raises ValueError for a target outside 5..1200 s, PromptInjectionError for an angle
    whose text reads like instructions, StructuredOutputError when the model's output
    failed validation twice, AllProvidersFailedError when every provider failed.
    """
    target_seconds = int(target_seconds)
    if not MIN_SECONDS <= target_seconds <= MAX_SECONDS:
        raise ValueError(f"target_seconds must be {MIN_SECONDS}..{MAX_SECONDS}, got {target_seconds}")
    facts = list(facts or [])
    generator = generator or TextGenerator(tier, conn=conn, run_id=run_id, resolver=resolver)
    inputs = script_inputs(angle, target_seconds, language, facts)
    result = generator.generate(
        prompts.SCRIPT_FROM_BRIEF if facts else prompts.SCRIPT, inputs, check=_checker(inputs, facts),
        opportunity_id=angle.opportunity_id or None, content_id=content_id,
    )
    spoken_language = language
    if result.provider == local_writer.PROVIDER and language not in local_writer.SUPPORTED_LANGUAGES:
        spoken_language = "en"
    script = fit_script(result.value, target_seconds, spoken_language, facts)
    return ScriptResult(script, result.provider, result.model, result.prompt_version, result.cache_hit,
                        result.skipped)


def script_inputs(angle: Angle, target_seconds: int, language: str,
                  facts: list[Fact] | None = None) -> dict[str, Any]:
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
        **({"facts": [fact_input(f) for f in facts]} if facts else {}),
    }


def fact_input(fact: Fact) -> dict[str, Any]:
    """A fact as the writer sees it (its link stays out of the prompt: the description cites it)."""
    return {"id": fact.fact_id, "kind": fact.kind, "text": fact.text, "source": fact.source, "at": fact.at,
            "numbers": dict(fact.numbers), "points": [list(p) for p in fact.points]}


def body_scenes(scenes: list) -> list:
    """The scenes that must cite a fact: all but the last (the call to action) when there are two or more."""
    return list(scenes[:-1]) if len(scenes) >= 2 else list(scenes)


def fact_problems(draft: ScriptDraft, facts: list[Fact], also: tuple[str, ...] = ()) -> list[str]:
    """What in ``draft`` the brief does not support: unknown ids, body scenes citing nothing, invented numbers."""
    by_id = {f.fact_id: f for f in facts}
    problems = []
    body = body_scenes(draft.scenes)
    for i, scene in enumerate(draft.scenes):
        unknown = [fid for fid in scene.fact_ids if fid not in by_id]
        if unknown:
            problems.append(f"scenes.{i} cites fact ids not in data.facts: {', '.join(unknown[:4])}")
        cited = [by_id[fid] for fid in scene.fact_ids if fid in by_id]
        if i < len(body) and not cited:
            problems.append(f"scenes.{i} cites no fact: every scene but the last states at least one fact")
        invented = unsupported_numbers(scene.narration, cited, also)
        if invented:
            shown = ", ".join(f"{n:g}" for n in invented[:4])
            problems.append(f"scenes.{i} says {shown}, which no fact it cites holds: say only the numbers of "
                            "the facts in its fact_ids")
    return problems


def _checker(inputs: dict[str, Any], facts: list[Fact] | None = None):
    budget = inputs["words_budget"]
    facts = list(facts or [])
    also = (str(inputs.get("term") or ""),)   # "GTA 6", "Oscars 2026": the topic's own numbers

    def check(draft: ScriptDraft) -> list[str]:
        problems = []
        spoken = sum(len(s.narration.split()) for s in draft.scenes)
        if facts:   # as long as the facts carry, never padded: a ceiling, not a target
            if spoken > 1.25 * budget:
                problems.append(f"the narration has {spoken} words in total; at most {budget}")
            problems += fact_problems(draft, facts, also)
        elif not 0.75 * budget <= spoken <= 1.25 * budget:
            problems.append(f"the narration has {spoken} words in total; it needs about {budget}")
        if len(draft.hook.split()) > HOOK_MAX_WORDS:
            problems.append(f"the hook has {len(draft.hook.split())} words; at most {HOOK_MAX_WORDS}")
        # chapters where the video is long: with a brief, what the facts carry, not what was asked
        long_enough = spoken / WORDS_PER_SECOND >= 180 if facts else inputs["target_seconds"] >= 180
        if inputs["format"] == "long" and long_enough:
            if sum(1 for s in draft.scenes if s.chapter) < 3:
                problems.append("long form needs at least 3 scenes with a 'chapter' label, the first on scene 0")
        for text in [draft.title, draft.hook, draft.call_to_action] + [s.narration for s in draft.scenes]:
            if reason := injection_reason(text):
                problems.append(f"the output contains instruction-like text ({reason})")
                break
        return problems

    return check


def fit_script(draft: ScriptDraft, target_seconds: int, language: str = "en",
               facts: list[Fact] | None = None) -> Script:
    """Scenes timed from their words (2.6 words/s), scaled to add up to ``target_seconds``.

    With ``facts`` (the brief) the script is as long as its words, at most ``target_seconds``
    (little evidence makes a shorter video, not a padded one); each scene keeps the ids of the
    facts it cites and the script carries those facts. A title promising another length loses
    the promise.
    """
    narrations = [s.narration.strip() for s in draft.scenes]
    hook = draft.hook.strip()
    if not normalise_text(narrations[0]).startswith(normalise_text(hook).rstrip(".!?")):
        narrations[0] = f"{hook} {narrations[0]}"
    raw = [max(1.5, len(n.split()) / WORDS_PER_SECOND) for n in narrations]
    total = target_seconds if not facts else min(float(target_seconds), round(sum(raw), 2))
    scale = total / sum(raw)
    seconds = [round(r * scale, 2) for r in raw]
    seconds[-1] = round(total - sum(seconds[:-1]), 2)
    by_id = {f.fact_id: f for f in facts or []}
    scenes = [Scene(index=i, narration=n, visual_prompt=s.visual_prompt.strip(), seconds=sec,
                    fact_ids=[fid for fid in dict.fromkeys(s.fact_ids) if fid in by_id])
              for i, (n, s, sec) in enumerate(zip(narrations, draft.scenes, seconds))]
    cited = {fid for scene in scenes for fid in scene.fact_ids}
    chapters: list[tuple[float, str]] = []
    if total >= 180:
        start = 0.0
        for scene, source in zip(scenes, draft.scenes):
            if source.chapter:
                chapters.append((round(start, 2), source.chapter.strip()))
            start += scene.seconds
        if chapters and chapters[0][0] != 0.0:
            chapters.insert(0, (0.0, "Intro"))
    return Script(title=honest_title(draft.title.strip(), total), hook=hook, scenes=scenes,
                  call_to_action=draft.call_to_action.strip(), language=language, chapters=chapters,
                  facts=[f for f in facts or [] if f.fact_id in cited])
