"""A content piece's script, from an opportunity's brief or from a topic the user gives.

    content_id = script_content(conn, root, opportunity_id=None, resolver=text_provider)   # the best open one
    content_id = script_content(conn, root, topic="Solar roofs", sources=["https://...", ...])

The one place production, the opportunity brief and the text stage meet (they do not import each
other): ``acf_production``'s ``write_script`` task and ``WriteScriptOperator`` both call it. A user's
topic has no trend behind it: its sources (URLs, notes, or ``{"url", "text", "source"}``) become the
brief's facts, checked like any evidence (text that reads like instructions is dropped), and are
stored beside the piece (``content/<content_id>/brief.json``) so the script is written from them.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import urlparse

from acf import db, storage
from acf.content_models import Fact
from acf.media import production
from acf.opportunities.brief import fact_from_data
from acf.opportunities.store import load_brief
from acf.text.guard import clean_data_text, injection_reason
from acf.text.scripts import draft_script

MAX_USER_FACTS = 12


class TopicSourceError(ValueError):
    """A user's source is neither a URL, a note, nor a ``{"url", "text", "source"}`` mapping."""


def brief_key(content_id: str) -> str:
    return storage.key("content", content_id, "brief.json")


def topic_facts(topic: str, sources: list[Any]) -> list[Fact]:
    """The user's URLs and notes as the brief's facts (ids f1..fn); instruction-like text is dropped."""
    facts: list[Fact] = []
    for item in sources or []:
        if isinstance(item, str):
            item = {"url": item} if urlparse(item.strip()).scheme in ("http", "https") else {"text": item}
        if not isinstance(item, dict) or not (item.get("url") or item.get("text")):
            raise TopicSourceError(f"a source is a URL, a note or {{'url', 'text', 'source'}}; got {item!r}")
        url = str(item.get("url") or "").strip()
        host = urlparse(url).netloc.removeprefix("www.") if url else ""
        text = clean_data_text(str(item.get("text") or ""), 300) or f"{host} reports on {clean_data_text(topic, 80)}."
        source = clean_data_text(str(item.get("source") or host or "the creator's notes"), 80)
        if injection_reason(" ".join([text, source])):
            continue
        facts.append(Fact(f"f{len(facts) + 1}", "headline", text, source, url, str(item.get("at") or "")))
        if len(facts) >= MAX_USER_FACTS:
            break
    return facts


def plan_topic(conn, root, topic: str, sources: list[Any], **plan_args) -> str:
    """Create the content piece of a user's topic and store its brief; return the content id."""
    plan = production.plan_topic(conn, topic, **plan_args)
    brief = {"topic": " ".join(topic.split()), "facts": [asdict(f) for f in topic_facts(topic, sources)]}
    storage.put_bytes(root, brief_key(plan.content_id), json.dumps(brief, ensure_ascii=False, indent=1).encode())
    return plan.content_id


def write_content_script(conn, root, content_id: str, *, resolver=None, run_id: str | None = None) -> list[int]:
    """Write and store the piece's script from its brief (the opportunity's, or the user's topic's);
    return the scene indices."""
    plan = production.load_plan(conn, content_id)
    if plan.opportunity_id:
        angle = production.load_angle(conn, plan)
        facts = load_brief(conn, plan.opportunity_id)
    else:
        brief = json.loads(storage.get_bytes(root, brief_key(content_id)))
        angle = production.topic_angle(plan, brief["topic"])
        facts = [fact_from_data(f) for f in brief["facts"]]
    try:
        result = draft_script(angle, plan.target_seconds, plan.language, plan.tier, conn=conn, run_id=run_id,
                              content_id=content_id, resolver=resolver, facts=facts)
    except Exception as exc:
        # The piece ends failed with the reason, whatever becomes of this transaction (a retry that writes
        # the script moves it on again); the soak found pieces left "planned" with no reason.
        from acf.redaction import redact

        db.execute_committed(conn, "UPDATE acf.content_pieces SET status = 'failed', error = %s, updated_at = now()"
                                   " WHERE content_id = %s",
                             (redact(f"script not written: {type(exc).__name__}: {exc}")[:2000], content_id))
        raise
    return production.store_script(conn, root, plan, result.script, result.provider)


def script_content(conn, root, *, opportunity_id: str | None = None, topic: str | None = None,
                   sources: list[Any] | None = None, tier: str = "offline", platforms: list[str] | None = None,
                   aspects: list[str] | None = None, target_seconds: int = 30, language: str = "en",
                   voice_speed: int | None = None, caption_style: str = "platform",
                   resolver=None, run_id: str | None = None) -> tuple[str, list[int]]:
    """Plan a piece (for ``topic`` with its ``sources``, else the named or best open opportunity) and write
    its script; return ``(content_id, scene_indices)``. Raises production.NoOpportunityError when there is
    nothing to produce."""
    plan_args = dict(tier=tier, platforms=platforms, aspects=aspects, target_seconds=int(target_seconds),
                     language=language, run_id=run_id, caption_style=caption_style)
    if voice_speed:
        plan_args["voice_speed"] = int(voice_speed)
    if topic:
        content_id = plan_topic(conn, root, topic, list(sources or []), **plan_args)
    else:
        content_id = production.plan_content(conn, opportunity_id=opportunity_id or None, **plan_args).content_id
    return content_id, write_content_script(conn, root, content_id, resolver=resolver, run_id=run_id)
