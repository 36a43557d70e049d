"""A content piece and its script: for an opportunity, or for a topic the user gives with its sources."""
from __future__ import annotations

from typing import Any

from operators.base import FactoryOperator, as_list


class WriteScriptOperator(FactoryOperator):
    """Plan a content piece and write its script from a brief of facts.

    With ``topic``, the piece is about that topic and ``sources`` (URLs, notes, or
    ``{"url", "text", "source"}`` mappings) become its facts; else it is made for ``opportunity_id``
    (empty: the best open one) from the opportunity's brief, as ``acf_production`` does.

    :param opportunity_id: an ``acf.opportunities`` id; empty for the best open one.
    :param topic: the user's own topic (takes precedence over ``opportunity_id``).
    :param sources: the topic's sources; each becomes a fact the script may cite.
    :param tier: service tier for the text (and later images and voice) of this piece.
    :param platforms: platforms it is made for (default every platform).
    :param aspect_ratios: renditions (``9:16``, ``16:9``, ``1:1``).
    :param target_seconds: target length (15..600).
    :param language: ISO 639-1 language.
    :param voice_speed: words per minute of the local voices (default the factory's).
    :param caption_style: ``platform`` (each platform's own), ``chunked`` or ``word``.
    :return: the scene indices (map MakeMediaOperator over them, as acf_production's ``write_script``);
        the content id is the XCom ``content_id`` (``XComArg(task, key="content_id")``).
    """

    template_fields = ("opportunity_id", "topic", "sources", "tier", "platforms", "aspect_ratios",
                       "target_seconds", "language", "voice_speed", "caption_style")

    def __init__(self, *, opportunity_id: str | None = None, topic: str | None = None, sources: Any = None,
                 tier: str = "offline", platforms: Any = None, aspect_ratios: Any = ("9:16",),
                 target_seconds: int | str = 30, language: str = "en", voice_speed: int | str | None = None,
                 caption_style: str = "platform", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.opportunity_id = opportunity_id
        self.topic = topic
        self.sources = sources
        self.tier = tier
        self.platforms = platforms
        self.aspect_ratios = aspect_ratios
        self.target_seconds = target_seconds
        self.language = language
        self.voice_speed = voice_speed
        self.caption_style = caption_style

    def execute(self, context) -> list[int]:
        from acf.scripting import script_content
        from hooks.configured import text_provider

        with self.connection() as conn:
            content_id, scenes = script_content(
                conn, self.object_root, opportunity_id=self.opportunity_id or None, topic=self.topic or None,
                sources=as_list(self.sources), tier=self.tier, platforms=as_list(self.platforms) or None,
                aspects=as_list(self.aspect_ratios) or None, target_seconds=int(self.target_seconds),
                language=self.language, voice_speed=self.voice_speed or None, caption_style=self.caption_style,
                resolver=text_provider, run_id=context["run_id"])
        self.log.info("content %s: script of %d scenes", content_id, len(scenes))
        context["ti"].xcom_push(key="content_id", value=content_id)
        return scenes
