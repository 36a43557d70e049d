"""The production stage as plain functions over a DB connection and an object-store root.

plan -> script -> per-scene visuals and voices (in parallel) -> render -> thumbnails -> checks.
Each step reads what the previous one stored (rows in ``acf.content_pieces`` /
``acf.assets`` / ``acf.renditions``, read and written by :mod:`acf.media.store`;
files under ``content/<content_id>/``) and returns keys only. Status moves
planned -> generating -> rendering -> ready; it is never ``ready`` before every
output exists and passed its checks.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from acf import platform_rules, registry, storage
from acf.content_models import Angle, Scene, Script
from acf.ids import stable_id
from acf.media import (assets, audio, captions, checks, formats, render, scene_cards, store, thumbnails,
                       visuals_local, voice_local)
from acf.media import timeline as timeline_mod
from acf.media import words as words_mod
from acf.media.models import ContentPlan, RenditionResult
from acf.media.probe import probe
from acf.media.providers import Resolver, no_remote_clients
from acf.settings import ASPECTS

log = logging.getLogger(__name__)


class NoOpportunityError(LookupError):
    """There is no open opportunity to produce (or the named one does not exist)."""


class ProductionError(RuntimeError):
    """A step found what it needs missing or unusable (no script, no image, a blank image ...)."""


# ---------------------------------------------------------------- plan
def plan_content(
    conn,
    *,
    opportunity_id: str | None = None,
    tier: str = "offline",
    platforms: list[str] | None = None,
    aspects: list[str] | None = None,
    target_seconds: int = 30,
    language: str = "en",
    run_id: str | None = None,
    voice_speed: int = voice_local.DEFAULT_WPM,
    caption_style: str = "platform",
) -> ContentPlan:
    """Choose the opportunity (the named one, else the best open one) and create its content piece."""
    platforms, aspects, voice_speed = _checked_outputs(tier, platforms, aspects, voice_speed, caption_style)
    if opportunity_id:
        if not store.opportunity_exists(conn, opportunity_id):
            raise NoOpportunityError(f"no opportunity {opportunity_id!r}")
    else:
        opportunity_id = store.best_open_opportunity(conn)
        if opportunity_id is None:
            raise NoOpportunityError("no open opportunity to produce")
    angle_id = store.best_angle_id(conn, opportunity_id)
    content_id = stable_id("cnt", opportunity_id, angle_id, tier, platforms, aspects, target_seconds, language,
                           run_id, voice_speed, caption_style)
    plan = ContentPlan(content_id, opportunity_id, angle_id, tier, platforms, aspects, target_seconds, language,
                       voice_speed, caption_style)
    store.insert_plan(conn, plan, run_id)
    store.mark_in_production(conn, opportunity_id)
    return plan


def _checked_outputs(tier: str, platforms: list[str] | None, aspects: list[str] | None, voice_speed: int,
                     caption_style: str) -> tuple[list[str], list[str], int]:
    """Known tier, platforms, aspects, voice speed and caption style; a platform that takes none of the
    aspects adds its own."""
    if tier not in registry.tier_names():
        raise ValueError(f"unknown tier {tier!r}; known: {', '.join(registry.tier_names())}")
    voice_speed = voice_local.check_speed(voice_speed)
    if caption_style != "platform":
        captions.check_style(caption_style)
    known_platforms = platform_rules.platforms()
    platforms = list(dict.fromkeys(platforms or known_platforms))
    aspects = list(dict.fromkeys(aspects or ["9:16"]))
    for value, known, what in ((platforms, known_platforms, "platform"), (aspects, ASPECTS, "aspect")):
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown {what} {unknown}; known: {', '.join(known)}")
    # Every platform needs a rendition it accepts.
    for platform in platforms:
        if not checks.platforms_for_any(platform, aspects):
            extra = checks.preferred_aspect(platform)
            log.info("platform %s takes none of %s: adding %s", platform, aspects, extra)
            aspects.append(extra)
    return platforms, aspects, voice_speed


def plan_topic(
    conn,
    topic: str,
    *,
    tier: str = "offline",
    platforms: list[str] | None = None,
    aspects: list[str] | None = None,
    target_seconds: int = 30,
    language: str = "en",
    run_id: str | None = None,
    voice_speed: int = voice_local.DEFAULT_WPM,
    caption_style: str = "platform",
) -> ContentPlan:
    """A content piece about a topic the user gives (no trend, no opportunity behind it)."""
    topic = " ".join(str(topic or "").split())
    if not topic:
        raise ValueError("a topic is required")
    platforms, aspects, voice_speed = _checked_outputs(tier, platforms, aspects, voice_speed, caption_style)
    content_id = stable_id("cnt", "topic", topic, tier, platforms, aspects, target_seconds, language, run_id,
                           voice_speed, caption_style)
    plan = ContentPlan(content_id, None, None, tier, platforms, aspects, target_seconds, language, voice_speed,
                       caption_style)
    store.insert_plan(conn, plan, run_id)
    return plan


def topic_angle(plan: ContentPlan, topic: str) -> Angle:
    """The plain explainer angle a user's topic is written from."""
    return Angle(stable_id("ang", plan.content_id, "explainer"), "", "explainer",
                 f"Here is what you need to know about {topic}.", topic, plan.platforms,
                 "short" if plan.target_seconds <= 90 else "long", 0.0, "local", "rules", "v1", term=topic)


def caption_styles(plan: ContentPlan) -> dict[str, str]:
    """Each rendition's caption style: the plan's, or (``platform``) the style of the platform the
    aspect is made for (the first of the plan's platforms that prefers it, else that accepts it)."""
    if plan.caption_style != "platform":
        return {aspect: captions.check_style(plan.caption_style) for aspect in plan.aspects}
    styles = {}
    for aspect in plan.aspects:
        chosen = [p for p in plan.platforms if checks.preferred_aspect(p) == aspect] or \
                 [p for p in plan.platforms if checks.platforms_for_any(p, [aspect])]
        rule = (platform_rules.for_platform(chosen[0]).get("captions") or {}) if chosen else {}
        styles[aspect] = captions.check_style(rule.get("style", "chunked"))
    return styles


def load_plan(conn, content_id: str) -> ContentPlan:
    plan = store.load_plan(conn, content_id)
    if plan is None:
        raise ProductionError(f"no content piece {content_id!r}")
    return plan


# ---------------------------------------------------------------- script
def load_angle(conn, plan: ContentPlan) -> Angle:
    """The plan's angle; an opportunity without angles gets a plain explainer of its trend."""
    if plan.angle_id:
        return store.angle_with_term(conn, plan.angle_id)
    term, title = store.opportunity_trend(conn, plan.opportunity_id)
    return Angle(stable_id("ang", plan.opportunity_id, "explainer"), plan.opportunity_id or "", "explainer",
                 f"Here is what everyone is missing about {term}.", title, plan.platforms,
                 "short" if plan.target_seconds <= 90 else "long", 0.0, "local", "rules", "v1", term=term)


def store_script(conn, root, plan: ContentPlan, script: Script, provider: str = "local") -> list[int]:
    """Save the script (row and object), move to ``generating``; return the scene indices to map over."""
    if not script.scenes:
        raise ProductionError("the script has no scenes")
    payload = json.dumps(store.script_to_json(script), ensure_ascii=False, indent=1).encode("utf-8")
    stored = storage.put_bytes(root, storage.key("content", plan.content_id, "script.json"), payload)
    store.record_asset(conn, plan.content_id, "script", None, provider, stored, None,
                       {"scenes": len(script.scenes)})
    store.save_script(conn, plan.content_id, script, provider)
    return [scene.index for scene in script.scenes]


def load_script(conn, content_id: str) -> Script:
    script = store.load_script(conn, content_id)
    if script is None:
        raise ProductionError(f"content {content_id!r} has no script yet")
    return script


def _scene(script: Script, index: int) -> Scene:
    for scene in script.scenes:
        if scene.index == index:
            return scene
    raise ProductionError(f"script has no scene {index}")


# ---------------------------------------------------------------- visuals and voices
def _latency_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


@dataclass(frozen=True)
class PendingImage:
    """A scene's image that a provider is still making (an asynchronous job, such as a Leonardo
    generation): what the wait needs (the provider and the job's ids, nothing secret) and where the
    image chain goes on from. JSON as :meth:`to_dict`, so a deferred task carries it."""

    content_id: str
    scene_index: int
    provider: str
    job: dict
    skipped: list          # [(provider, reason)] tried before this one
    started_at: float      # wall clock, when the chain started
    poll_seconds: float
    wait_seconds: float

    def to_dict(self) -> dict:
        return {**asdict(self), "skipped": [list(entry) for entry in self.skipped]}

    @classmethod
    def from_dict(cls, data: dict) -> PendingImage:
        return cls(**{**data, "skipped": [tuple(entry) for entry in data.get("skipped") or ()]})


class ImageNotMade(RuntimeError):
    """An asynchronous provider's job ended without an image (failed, timed out, or unreadable)."""


@dataclass(frozen=True)
class _Submitted:
    job: dict
    poll_seconds: float
    wait_seconds: float


def make_visual(conn, root, content_id: str, scene_index: int, *, resolver: Resolver = no_remote_clients,
                tiers: dict | None = None, run_id: str | None = None) -> str:
    """Make scene ``scene_index``'s image down the tier's image chain; store it; return its key.
    Every provider is waited for here (an asynchronous one polls in this process)."""
    return start_visual(conn, root, content_id, scene_index, resolver=resolver, tiers=tiers, run_id=run_id)


def start_visual(conn, root, content_id: str, scene_index: int, *, resolver: Resolver = no_remote_clients,
                 tiers: dict | None = None, run_id: str | None = None,
                 wait_elsewhere: bool = False) -> str | PendingImage:
    """The first half of a scene's image: down the tier's image chain as :func:`make_visual` does, except
    that with ``wait_elsewhere`` a provider that makes images asynchronously (``submit_image``) is only
    asked: a :class:`PendingImage` comes back, and :func:`finish_visual` takes over once the job ends.
    Otherwise the image is stored and its key returned."""
    plan = load_plan(conn, content_id)
    return _image_chain(conn, root, plan, scene_index, registry.chain(plan.tier, "image", tiers), [], time.time(),
                        resolver, run_id, wait_elsewhere)


def finish_visual(conn, root, pending: PendingImage, outcome: dict, *, resolver: Resolver = no_remote_clients,
                  tiers: dict | None = None, run_id: str | None = None,
                  wait_elsewhere: bool = False) -> str | PendingImage:
    """The second half: ``outcome`` is how the wait for ``pending`` ended (``{"status": "complete" |
    "failed" | "timeout" | "error", "reason": ...}``). Complete: the image is downloaded and stored as
    :func:`make_visual` stores it (asset row, provider, the ledger's call). Anything else, or a download
    that fails: the reason is kept and the chain goes on with the providers not tried yet (which may
    wait again)."""
    plan = load_plan(conn, pending.content_id)
    tried = {name for name, _ in pending.skipped} | {pending.provider}
    rest = [name for name in registry.chain(plan.tier, "image", tiers) if name not in tried]
    job_id = ", ".join(f"{k}={v}" for k, v in pending.job.items())

    def collect():
        status = (outcome or {}).get("status")
        if status != "complete":
            default = {"failed": "failed", "timeout": "not finished in time"}.get(status, "its status could not be read")
            raise ImageNotMade(f"{pending.provider} {job_id}: {(outcome or {}).get('reason') or default}")
        return resolver("image", pending.provider).fetch_image(pending.job)

    return _image_chain(conn, root, plan, pending.scene_index, [pending.provider, *rest], pending.skipped,
                        pending.started_at, resolver, run_id, wait_elsewhere, resumed=(pending.provider, collect))


def _image_chain(conn, root, plan: ContentPlan, scene_index: int, providers: list[str], skipped: list,
                 started_at: float, resolver: Resolver, run_id: str | None, wait_elsewhere: bool,
                 resumed: tuple[str, Callable[[], bytes]] | None = None) -> str | PendingImage:
    """Walk ``providers`` for the scene's image; ``resumed`` = (provider, how to collect its finished job)."""
    scene = _scene(load_script(conn, plan.content_id), scene_index)
    width, height = formats.working_size(plan.aspects)
    category = store.trend_category(conn, plan.opportunity_id)
    scratch = storage.scratch_dir("acf-visual-")
    try:
        def bill(name: str, call_id: int | None = None) -> None:
            # A call is billed the moment the provider answers (a job-making provider when the job is
            # created): recorded at once, before the store, the wait or the database can fail the task
            # (the soak saw a killed step's answered call missing from the ledger).
            store.record_call(conn, run_id, "image", name, 1, int((time.time() - started_at) * 1000),
                              plan.content_id, plan.opportunity_id, call_id)

        def call(name: str) -> Path | _Submitted:
            dest = scratch / f"{name}.png"
            if resumed is not None and name == resumed[0]:
                return ended_if_raises(name, lambda: _normalise_image(resumed[1](), dest))   # billed when created
            if name == "local":
                # A backdrop in the trend's palette; the scene's card (drawn at render) carries the words.
                return visuals_local.render_scene_image(scene.narration, width, height, dest, index=scene.index,
                                                        category=category)
            client = resolver("image", name)
            makes_job = hasattr(client, "submit_image")
            if makes_job:
                earlier = store.open_image_job(conn, plan.content_id, scene_index, name)
                if earlier is not None:   # submitted (and billed) by an earlier try of this step
                    log.info("content %s scene %s: taking up %s's job %s from an earlier try", plan.content_id,
                             scene_index, name, earlier)
                    return job_made(client, name, earlier, dest)
            call_id = store.start_call(conn, run_id, "image", name, plan.content_id, plan.opportunity_id)
            call_started = time.monotonic()
            try:
                if makes_job:
                    job = client.submit_image(scene.visual_prompt, width, height)
                else:
                    data = client.generate_image(scene.visual_prompt, width, height)
            except Exception as exc:
                store.fail_call(conn, call_id, _latency_ms(call_started), exc)
                raise
            bill(name, call_id)
            if not makes_job:
                return _normalise_image(data, dest)
            store.save_image_job(conn, plan.content_id, scene_index, name, job, float(client.wait_seconds))
            return job_made(client, name, job, dest)

        def job_made(client, name: str, job: dict, dest: Path) -> Path | _Submitted:
            if wait_elsewhere:
                return _Submitted(job, float(client.poll_seconds), float(client.wait_seconds))
            return ended_if_raises(name, lambda: _normalise_image(_wait_here(client, job), dest))

        def ended_if_raises(name: str, collect: Callable[[], Path]) -> Path:
            # The chain goes on to the next provider, so the job is not taken up again; a killed task
            # leaves it open for its retry.
            try:
                return collect()
            except Exception:
                store.end_image_job(conn, plan.content_id, scene_index, name, collected=False)
                raise

        attempt = registry.run_with_fallback(
            providers, call, available=lambda n: n == "local" or resolver("image", n) is not None,
            modality="image", skipped=skipped)
        if isinstance(attempt.result, _Submitted):
            log.info("content %s scene %s: %s is making the image (%s); waiting for it elsewhere", plan.content_id,
                     scene_index, attempt.provider, attempt.result.job)
            return PendingImage(plan.content_id, scene_index, attempt.provider, attempt.result.job,
                                attempt.skipped, started_at, attempt.result.poll_seconds, attempt.result.wait_seconds)
        if attempt.provider == "local":
            bill("local")   # free, but counted: a piece's ledger names every image it has
        object_key = storage.key("content", plan.content_id, "scenes", f"{scene_index:03d}", "image.png")
        stored = storage.put_file(root, object_key, attempt.result)
        store.record_asset(conn, plan.content_id, "image", scene_index, attempt.provider, stored, None,
                           {"width": width, "height": height, "skipped": attempt.skipped})
        if attempt.provider != "local":
            conn.commit()   # the asset before the job is closed: a kill in between leaves the job to take up
            store.end_image_job(conn, plan.content_id, scene_index, attempt.provider, collected=True)
        return object_key
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_here(client, job: dict) -> bytes:
    """Wait for a provider's image job in this process: its own ``wait_image`` where it has one, else
    ``check_image`` every ``poll_seconds`` for ``wait_seconds``, then ``fetch_image``."""
    if hasattr(client, "wait_image"):
        return client.wait_image(job)
    deadline = time.monotonic() + float(client.wait_seconds)
    while True:
        word = client.check_image(job)
        if word == "complete":
            return client.fetch_image(job)
        if word == "failed":
            raise ImageNotMade(f"{job}: failed")
        if time.monotonic() >= deadline:
            raise ImageNotMade(f"{job}: not finished after {float(client.wait_seconds):g} s")
        time.sleep(float(client.poll_seconds))


def _normalise_image(data: bytes, dest: Path) -> Path:
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ProductionError("image provider returned bytes that are not an image")
    if float(image.std()) < 1.0:
        raise ProductionError("image provider returned a blank image")
    cv2.imwrite(str(dest), image)
    return dest


def make_voice(conn, root, content_id: str, scene_index: int, *, resolver: Resolver = no_remote_clients,
               tiers: dict | None = None, run_id: str | None = None) -> str:
    """Speak scene ``scene_index``'s narration down the tier's voice chain; store a WAV; return its key."""
    plan = load_plan(conn, content_id)
    scene = _scene(load_script(conn, content_id), scene_index)
    scratch = storage.scratch_dir("acf-voice-")
    try:
        def call(name: str) -> tuple[Path, words_mod.Speech]:
            dest = scratch / f"{name}.wav"
            if name == "local":
                return dest, voice_local.speak(scene.narration, dest, plan.language, plan.voice_speed)
            call_id = store.start_call(conn, run_id, "voice", name, content_id, plan.opportunity_id)
            call_started = time.monotonic()
            try:
                data, fmt, words = _remote_voice(resolver("voice", name), scene.narration, plan.language)
                seconds = audio.to_wav(data, fmt, dest)   # an answer that is no audio is a failed call
            except Exception as exc:
                store.fail_call(conn, call_id, _latency_ms(call_started), exc)
                raise
            # recorded now, before the store can fail the task (see make_visual)
            store.record_call(conn, run_id, "voice", name, len(scene.narration), _latency_ms(call_started),
                              content_id, plan.opportunity_id, call_id)
            return dest, words_mod.Speech(seconds, tuple(words or ()), name)

        started = time.monotonic()
        attempt = registry.run_with_fallback(
            registry.chain(plan.tier, "voice", tiers), call,
            available=lambda n: n == "local" or resolver("voice", n) is not None, modality="voice")
        path, speech = attempt.result
        if attempt.provider == "local":   # free, but counted: a piece's ledger names every voice it has
            store.record_call(conn, run_id, "voice", "local", len(scene.narration), _latency_ms(started),
                              content_id, plan.opportunity_id)
        object_key = storage.key("content", content_id, "scenes", f"{scene_index:03d}", "voice.wav")
        stored = storage.put_file(root, object_key, path)
        # The word timing rides in the asset's meta: render_content times the captions with it.
        store.record_asset(conn, content_id, "voice", scene_index, attempt.provider, stored, speech.seconds,
                           {"characters": len(scene.narration), "skipped": attempt.skipped,
                            "engine": speech.engine, "words": words_mod.to_json(speech.words)})
        return object_key
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _remote_voice(client, text: str, language: str) -> tuple[bytes, str, tuple]:
    """A provider's voice as (audio, format, words), with word timing where the client reports it
    (``synthesize_timed(text, language) -> (audio, format, words)``); otherwise untimed."""
    if hasattr(client, "synthesize_timed"):
        return client.synthesize_timed(text, language)
    (data, fmt), words = client.synthesize(text, language), ()
    return data, fmt, words


def make_scene_media(conn, root, content_id: str, scene_indices: list[int] | None = None, *,
                     modalities: tuple[str, ...] = ("image", "voice"), resolver: Resolver = no_remote_clients,
                     run_id: str | None = None) -> dict[str, list[str]]:
    """Images and/or voices of the given scenes (every scene when None): ``{"image": [keys], "voice": [keys]}``."""
    unknown = set(modalities) - {"image", "voice"}
    if unknown:
        raise ValueError(f"unknown modalities {sorted(unknown)}; known: image, voice")
    if scene_indices is None:
        scene_indices = [scene.index for scene in load_script(conn, content_id).scenes]
    makers = {"image": make_visual, "voice": make_voice}
    return {modality: [makers[modality](conn, root, content_id, int(i), resolver=resolver, run_id=run_id)
                       for i in scene_indices] for modality in modalities}


# ---------------------------------------------------------------- render
class RenderProgressWriter:
    """Stores a render's progress for the dashboard (``acf.render_progress``) at most every
    ``every_seconds`` or ``every_percent``, and always its first and last report.

    ``conn`` should be a connection of its own in autocommit mode: the render's own transaction
    is open until the task ends, and the dashboard must see the percent while it runs. A write that
    fails (or waits over ``lock_timeout``) is logged and ends the writing, never the render."""

    def __init__(self, conn, content_id: str, every_seconds: float = 1.0, every_percent: float = 5.0,
                 lock_timeout: str = "2s") -> None:
        self.conn, self.content_id = conn, content_id
        self.every_seconds, self.every_percent = every_seconds, every_percent
        self.lock_timeout = lock_timeout
        self._written_at, self._written_percent = float("-inf"), None

    def __call__(self, progress: render.Progress) -> None:
        now = time.monotonic()
        if self.conn is None or not (progress.done or self._written_percent is None
                                     or now - self._written_at >= self.every_seconds
                                     or progress.percent - self._written_percent >= self.every_percent):
            return
        try:
            if self._written_percent is None:
                self.conn.execute("SELECT set_config('lock_timeout', %s, false)", (self.lock_timeout,))
            store.record_render_progress(self.conn, self.content_id, progress)
        except Exception as exc:  # noqa: BLE001 - a lost progress line must not fail the render
            log.warning("render progress of %s not stored (no more tries): %s", self.content_id, exc)
            self.conn = None
            return
        self._written_at, self._written_percent = now, progress.percent


def render_content(conn, root, content_id: str, *, music: bool = True,
                   encoder: render.EncoderSettings = render.EncoderSettings(),
                   progress: Callable[[render.Progress], None] | None = None) -> list[str]:
    """Assemble every asked rendition in one ffmpeg run; store them; return their keys.

    ``progress`` receives ffmpeg's progress reports (e.g. a :class:`RenderProgressWriter`)."""
    plan = load_plan(conn, content_id)
    script = load_script(conn, content_id)
    parts_by_scene = store.scene_assets(conn, content_id)
    missing = [s.index for s in script.scenes
               if {"image", "voice"} - set(parts_by_scene.get(s.index, {}))]
    if missing:
        raise ProductionError(f"scenes {missing} have no image or voice yet")
    store.set_status(conn, content_id, "rendering")
    scratch = storage.scratch_dir("acf-render-")
    try:
        parts = []
        for scene in script.scenes:
            found = parts_by_scene[scene.index]
            image = storage.fetch_to_local(root, found["image"]["object_key"], scratch)
            voice = storage.fetch_to_local(root, found["voice"]["object_key"], scratch)
            timing = words_mod.from_json((found["voice"].get("meta") or {}).get("words"))
            parts.append((scene.index, image, voice, float(found["voice"]["duration_seconds"]), scene.narration,
                          timing))
        line = timeline_mod.build(parts)
        category, trend_facts = store.trend_context(conn, plan.opportunity_id)
        specs = scene_cards.choose_all(script, trend_facts=trend_facts, category=category)
        # The cards are drawn on a second core while the soundtrack is mixed and measured (ffmpeg).
        with ThreadPoolExecutor(max_workers=1) as drawer:
            drawing = drawer.submit(render.prepare_cards, line, specs, plan.aspects, scratch / "cards")
            voices = [audio.VoicePlacement(s.voice, s.voice_start) for s in line.scenes]
            bed = assets.write_music_bed(scratch / "music.wav", line.seconds) if music else None
            mixed = audio.mix(voices, line.seconds, scratch / "mix.wav", music=bed)
            soundtrack = scratch / "soundtrack.wav"
            measured = audio.normalise(mixed, soundtrack)
            cards = drawing.result()
        stored_track = storage.put_file(root, storage.key("content", content_id, "soundtrack.wav"), soundtrack)
        store.record_asset(conn, content_id, "soundtrack", None, "mix", stored_track, line.seconds,
                           {"music": bool(bed), "measured_input_lufs": measured.get("input_i"),
                            # when a caption shows: the checks look for it on screen in the encoded video
                            "captions": [[round(c.start, 3), round(c.end, 3)] for c in line.captions()]})
        report = [{"scene": index, **layer.report} for (index, _aspect), layer in sorted(cards.items())]
        stored_cards = storage.put_bytes(root, storage.key("content", content_id, "scene_cards.json"),
                                         json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
        store.record_asset(conn, content_id, "scene_cards", None, "local", stored_cards, None,
                           {"scenes": len(script.scenes), "kinds": sorted({r["kind"] for r in report})})
        outputs = {aspect: scratch / f"video_{aspect.replace(':', 'x')}.mp4" for aspect in plan.aspects}
        try:
            render.render(line, soundtrack, outputs, encoder=encoder, work_dir=scratch / "work",
                          caption_styles=caption_styles(plan), cards=cards, on_progress=progress)
        except render.RenderError as exc:
            store.set_status(conn, content_id, "failed", str(exc)[-2000:])
            conn.commit()   # the failure is recorded even though the task raises (a retry renders again)
            raise
        keys = []
        for aspect, path in outputs.items():
            info = probe(path)
            width, height = formats.size_of(aspect)
            object_key = storage.key("content", content_id, f"video_{aspect.replace(':', 'x')}.mp4")
            stored = storage.put_file(root, object_key, path)
            store.save_rendition(conn, content_id, aspect, width, height, info.duration_seconds, stored)
            keys.append(object_key)
        store.add_providers(conn, content_id, _providers(parts_by_scene))
        return keys
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _providers(parts_by_scene: dict) -> dict:
    images = sorted({p["image"]["provider"] for p in parts_by_scene.values()})
    voices = sorted({p["voice"]["provider"] for p in parts_by_scene.values()})
    return {"image": ",".join(images), "voice": ",".join(voices)}


# ---------------------------------------------------------------- thumbnails
def make_thumbnails(conn, root, content_id: str) -> list[str]:
    """A 1280x720 title thumbnail from the first scene, and a contact sheet of every scene."""
    script = load_script(conn, content_id)
    parts_by_scene = store.scene_assets(conn, content_id)
    scratch = storage.scratch_dir("acf-thumb-")
    try:
        images = []
        for scene in script.scenes:
            found = parts_by_scene.get(scene.index, {})
            if "image" not in found:
                raise ProductionError(f"scene {scene.index} has no image")
            images.append((scene.index, storage.fetch_to_local(root, found["image"]["object_key"], scratch),
                           float(found.get("voice", {}).get("duration_seconds") or scene.seconds)))
        thumb = thumbnails.make_thumbnail(script.title, images[0][1], scratch / "thumbnail.jpg")
        sheet = thumbnails.make_contact_sheet(images, scratch / "contact_sheet.jpg")
        made = [("thumbnail", thumb), ("contact_sheet", sheet)]
        renditions = store.renditions(conn, content_id)
        if renditions:   # the storyboard is cut from the finished video: what a reviewer will see
            preferred = load_plan(conn, content_id).aspects[0]
            first = next((r for r in renditions if r["aspect"] == preferred), renditions[0])
            video = storage.fetch_to_local(root, first["object_key"], scratch)
            line = timeline_mod.build([(index, path, path, seconds, "") for index, path, seconds in images])
            seconds = float(first["duration_seconds"])
            moments = thumbnails.storyboard_moments([s.start + s.seconds for s in line.scenes], seconds)
            made.append(("storyboard", thumbnails.make_storyboard(video, seconds, scratch / "storyboard.jpg",
                                                                  moments=moments)))
        keys = []
        for kind, path in made:
            stored = storage.put_file(root, storage.key("content", content_id, path.name), path)
            store.record_asset(conn, content_id, kind, None, "local", stored, None)
            keys.append(stored.key)
        store.set_thumbnail(conn, content_id, keys[0])
        return keys
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------- checks
def check_outputs(conn, root, content_id: str) -> list[RenditionResult]:
    """Measure every rendition against its platforms' limits; only then mark the content ready."""
    plan = load_plan(conn, content_id)
    renditions = store.renditions(conn, content_id)
    kinds = store.asset_kinds(conn, content_id)
    missing = sorted(set(plan.aspects) - {r["aspect"] for r in renditions})
    missing += sorted({"thumbnail", "contact_sheet", "storyboard", "scene_cards"} - kinds)
    if missing:
        raise ProductionError(f"content {content_id} is missing outputs: {missing}")
    scratch = storage.scratch_dir("acf-check-")
    results = []
    try:
        timeline_seconds = store.soundtrack_seconds(conn, content_id)
        if timeline_seconds is None:
            raise ProductionError(f"content {content_id} has no soundtrack: render first")
        caption_windows = store.caption_windows(conn, content_id)
        for row in renditions:
            if not storage.exists(root, row["object_key"]):
                raise ProductionError(f"rendition {row['object_key']} is not in the object store")
            path = storage.fetch_to_local(root, row["object_key"], scratch)
            try:
                measured = checks.check_rendition(path, row["aspect"], plan.platforms, timeline_seconds)
                measured.update(checks.check_captions_on_screen(path, row["aspect"], caption_windows))
            except checks.OutputCheckError as exc:
                store.set_rendition_checks(conn, row["rendition_id"], "failed",
                                           {"failures": [list(map(str, f)) for f in exc.failures]})
                store.set_status(conn, content_id, "failed", str(exc))
                conn.commit()
                raise
            store.set_rendition_checks(conn, row["rendition_id"], "ready", measured)
            results.append(RenditionResult(row["aspect"], row["width"], row["height"],
                                           float(row["duration_seconds"]), row["object_key"], row["bytes"],
                                           row["checksum"], measured))
        thumb = thumbnails_ok(root, content_id, scratch)
        cards_key = storage.key("content", content_id, "scene_cards.json")
        card_report = json.loads(storage.fetch_to_local(root, cards_key, scratch).read_text(encoding="utf-8"))
        try:
            shown = checks.check_scene_cards(card_report, load_script(conn, content_id), plan.aspects)
        except checks.OutputCheckError as exc:
            store.set_status(conn, content_id, "failed", str(exc))
            conn.commit()
            raise
        log.info("content %s scene cards: %s", content_id, shown)
        store.set_status(conn, content_id, "ready")
        store.mark_produced(conn, plan.opportunity_id)
        log.info("content %s ready: %d renditions, thumbnail %s", content_id, len(results), thumb)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def finish_content(conn, root, content_id: str,
                   progress: Callable[[render.Progress], None] | None = None) -> dict[str, list[str]]:
    """Render every rendition, make the thumbnails and check the outputs: the piece is ``ready`` after."""
    videos = render_content(conn, root, content_id, progress=progress)
    pictures = make_thumbnails(conn, root, content_id)
    results = check_outputs(conn, root, content_id)
    return {"renditions": videos, "thumbnails": pictures, "aspects": [r.aspect for r in results]}


def thumbnails_ok(root, content_id: str, scratch: Path) -> dict:
    import cv2

    key = storage.key("content", content_id, "thumbnail.jpg")
    path = storage.fetch_to_local(root, key, scratch)
    image = cv2.imread(str(path))
    size = path.stat().st_size
    failures = []
    if image is None or image.shape[:2] != (thumbnails.THUMB_SIZE[1], thumbnails.THUMB_SIZE[0]):
        failures.append(("thumbnail.size", None if image is None else f"{image.shape[1]}x{image.shape[0]}",
                         "1280x720"))
    if size >= thumbnails.MAX_THUMB_BYTES:
        failures.append(("thumbnail.bytes", size, thumbnails.MAX_THUMB_BYTES))
    if failures:
        raise checks.OutputCheckError("thumbnail.jpg", failures)
    return {"bytes": size}
