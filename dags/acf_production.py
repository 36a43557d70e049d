"""
### acf_production: an opportunity -> script, visuals and voices in parallel -> platform-ready video

Runs when `acf_opportunities` updates the opportunities Asset (for the best open opportunity) and on demand
from the Params form; every Param has a default, so a bare trigger makes the best current opportunity.

1. **plan_content**: picks the opportunity (the one named, else the best open one) and its best angle, and
   creates the `acf.content_pieces` row (status `planned`). Skips when there is nothing open.
2. **write_script**: title, hook, timed scenes and call to action from the tier's text chain (`generating`).
3. **make_visual** / **make_voice**: one mapped task per scene each, in parallel, down the tier's image and
   voice chains (a provider without a Connection is skipped; `local` ends every chain: Piper, or eSpeak NG
   for languages Piper has no voice for, at `voice_speed` words per minute). Each voice keeps its word timing.
   A Leonardo generation is submitted, then waited for on the triggerer (no worker slot held).
4. **render**: one ffmpeg filter graph for every asked aspect: each scene's fact card (count-ups, curves
   drawing on, reveals) over its picture, cross-fades, burned captions timed on the spoken words
   (`caption_style`: chunked lines or the spoken word highlighted), voice over a ducked music bed at
   -14 LUFS, H.264 + AAC, 30 fps (`rendering`).
5. **make_thumbnails**: a 1280x720 title thumbnail, a contact sheet of the scenes and a six-frame storyboard.
6. **check_outputs**: every rendition measured against its platforms' limits, every scene's card checked
   (its fact, the safe area, contrast); only then `ready`, and the
   content Asset is updated. Everything lands under `content/<content_id>/` in the object store.
"""
from __future__ import annotations

from acf import dag_policy, platform_rules, registry, settings
from acf.media.choices import CAPTION_STYLES, DEFAULT_WPM, MAX_WPM, MIN_WPM
from airflow.sdk import Asset, Param, dag, get_current_context, task
from operators.make_media import MakeVisualOperator

_settings = settings.load()


@dag(
    dag_id="acf_production",
    schedule=[Asset(dag_policy.OPPORTUNITIES_ASSET)],
    catchup=False,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("production"),
    doc_md=__doc__,
    max_active_runs=2,
    params={
        "opportunity": Param("", type="string", pattern=r"^[A-Za-z0-9_.:-]{0,128}$",
                             description="Opportunity id; empty = the best open opportunity"),
        "tier": Param(_settings.default_tier, type="string", enum=registry.tier_names(),
                      description="Service tier for text, images and voice"),
        "platforms": Param(list(platform_rules.platforms()), type="array", minItems=1, uniqueItems=True,
                           items={"type": "string", "enum": list(platform_rules.platforms())},
                           description="Platforms to make it for"),
        "aspect_ratios": Param(["9:16"], type="array", minItems=1, uniqueItems=True,
                               items={"type": "string", "enum": list(settings.ASPECTS)},
                               description="Renditions (a platform's own aspect is added when none suits it)"),
        "target_seconds": Param(_settings.target_seconds, type="integer", minimum=15, maximum=600,
                                description="Target length, seconds (default ACF_TARGET_SECONDS)"),
        "language": Param("en", type="string", pattern="^[a-z]{2}$", description="ISO 639-1 language"),
        "voice_speed": Param(DEFAULT_WPM, type="integer", minimum=MIN_WPM, maximum=MAX_WPM,
                             description="Words per minute of the local voice (Piper, eSpeak NG)"),
        "caption_style": Param("platform", type="string", enum=["platform", *CAPTION_STYLES],
                               description="Captions: platform = each platform's default; chunked lines; "
                                           "word = the spoken word highlighted"),
    },
)
def acf_production():
    @task
    def plan_content(params=None, run_id=None) -> str:
        """Choose the opportunity and create the content piece; skip when nothing is open."""
        from acf.media import production
        from airflow.sdk.exceptions import AirflowSkipException
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            try:
                plan = production.plan_content(
                    conn, opportunity_id=params["opportunity"] or None, tier=params["tier"],
                    platforms=params["platforms"], aspects=params["aspect_ratios"],
                    target_seconds=int(params["target_seconds"]), language=params["language"], run_id=run_id,
                    voice_speed=int(params["voice_speed"]), caption_style=params["caption_style"])
            except production.NoOpportunityError as exc:
                if params["opportunity"]:
                    raise
                raise AirflowSkipException(str(exc)) from exc
        return plan.content_id

    @task
    def write_script(content_id: str, run_id=None) -> list[int]:
        """The script from the tier's text chain, written from the opportunity's brief; returns the scene indices."""
        from acf.scripting import write_content_script
        from hooks.configured import text_provider
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        with factory_connection() as conn:
            return write_content_script(conn, object_root(), content_id, resolver=text_provider, run_id=run_id)

    @task(map_index_template="{{ scene_label }}")
    def make_voice(content_id: str, scene_index: int, run_id=None) -> str:
        """One scene's narration down the tier's voice chain."""
        from acf.media import production
        from hooks.configured import media_client
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        get_current_context()["scene_label"] = f"scene {scene_index}"
        with factory_connection() as conn:
            return production.make_voice(conn, object_root(), content_id, scene_index, run_id=run_id,
                                          resolver=media_client)

    @task(pool="acf_render")  # CPU-bound: renders queue instead of fighting for 2 cores
    def render(content_id: str, images: list[str], voices: list[str]) -> list[str]:
        """Every asked rendition in one ffmpeg run (progress in this log and, for the dashboard, in
        acf.render_progress through a second, autocommit connection)."""
        from acf.media import production
        from hooks.factory_db import autocommit_connection, factory_connection
        from hooks.object_store import object_root

        with factory_connection() as conn, autocommit_connection() as live:
            return production.render_content(conn, object_root(), content_id,
                                             progress=production.RenderProgressWriter(live, content_id))

    @task
    def make_thumbnails(content_id: str, videos: list[str]) -> list[str]:
        """Title thumbnail and contact sheet."""
        from acf.media import production
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        with factory_connection() as conn:
            return production.make_thumbnails(conn, object_root(), content_id)

    @task(outlets=[Asset(dag_policy.CONTENT_ASSET)])
    def check_outputs(content_id: str, pictures: list[str]) -> str:
        """Measure every output against platform limits; mark the content ready."""
        from acf.media import production
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        with factory_connection() as conn:
            production.check_outputs(conn, object_root(), content_id)
        return content_id

    content_id = plan_content()
    scenes = write_script(content_id)
    # One scene's image down the tier's image chain; a Leonardo generation is waited for on the triggerer.
    images = MakeVisualOperator.partial(task_id="make_visual", content_id=content_id, deferrable=True,
                                        map_index_template="scene {{ task.scene_index }}").expand(scene_index=scenes)
    voices = make_voice.partial(content_id=content_id).expand(scene_index=scenes)
    videos = render(content_id, images.output, voices)
    check_outputs(content_id, make_thumbnails(content_id, videos))


acf_production()
