"""
### example_topic_video: a video from my own topic and my three source URLs

An example to copy (paused, not scheduled). Trigger it with your `topic` and `sources`: each source URL
(or a note, or `{"url": ..., "text": "what it says", "source": "publisher"}`) becomes a fact of the
brief the script is written from, so the script says only what those sources say and cites them.
Then one mapped task per scene makes its image and narration, and `render` makes the renditions,
thumbnails and checks: the piece is `ready`, and `acf_publish` (or `example_publish_at`) can post it.

Built from the factory's operators (`plugins/operators/`): WriteScriptOperator -> MakeMediaOperator
(mapped over the scenes) -> RenderOperator.
"""
from __future__ import annotations

from datetime import datetime, timezone

from airflow.sdk import Param, XComArg, dag

from acf import dag_policy, platform_rules, registry, settings
from operators.make_media import MakeMediaOperator
from operators.render import RenderOperator
from operators.write_script import WriteScriptOperator


@dag(
    dag_id="example_topic_video",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    is_paused_upon_creation=True,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("example"),
    doc_md=__doc__,
    render_template_as_native_obj=True,  # the list and number Params reach the operators as such
    params={
        "topic": Param("Community solar gardens", type="string", minLength=3, maxLength=120,
                       description="What the video is about"),
        "sources": Param(["https://example.org/solar-gardens-guide", "https://example.com/news/solar-co-ops",
                          "https://example.net/energy/community-power"],
                         type="array", minItems=1, maxItems=12,
                         items={"type": ["string", "object"]},
                         description="Source URLs or notes (or {url, text, source}); each becomes a fact"),
        "tier": Param("offline", type="string", enum=registry.tier_names(), description="Service tier"),
        "platforms": Param(["youtube", "tiktok"], type="array", minItems=1, uniqueItems=True,
                           items={"type": "string", "enum": list(platform_rules.platforms())},
                           description="Platforms to make it for"),
        "aspect_ratios": Param(["9:16"], type="array", minItems=1, uniqueItems=True,
                               items={"type": "string", "enum": list(settings.ASPECTS)}, description="Renditions"),
        "target_seconds": Param(30, type="integer", minimum=15, maximum=600, description="Target length"),
    },
)
def example_topic_video():
    script = WriteScriptOperator(
        task_id="write_script", topic="{{ params.topic }}", sources="{{ params.sources }}",
        tier="{{ params.tier }}", platforms="{{ params.platforms }}", aspect_ratios="{{ params.aspect_ratios }}",
        target_seconds="{{ params.target_seconds }}",
    )
    content_id = XComArg(script, key="content_id")
    media = MakeMediaOperator.partial(task_id="make_media", content_id=content_id).expand(scene_index=script.output)
    media >> RenderOperator(task_id="render", content_id=content_id, pool="acf_render")


example_topic_video()
