"""Reads and writes of the production stage.

acf.opportunities (open -> in_production -> produced), acf.angles and acf.trends are read to
plan; acf.content_pieces, acf.assets, acf.renditions and acf.ai_calls are written as the
steps go. Rows come back as dicts except where a step wants the content type.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from acf import ai_calls, db, storage
from acf.content_models import Angle, Fact, Scene, Script
from acf.ids import stable_id
from acf.media.models import ContentPlan
from acf.redaction import redact


# ---------------------------------------------------------------- opportunities and angles
def opportunity_exists(conn, opportunity_id: str) -> bool:
    return bool(db.fetch_dicts(conn, "SELECT opportunity_id FROM acf.opportunities WHERE opportunity_id = %s",
                               (opportunity_id,)))


def best_open_opportunity(conn) -> str | None:
    rows = db.fetch_dicts(conn, "SELECT opportunity_id FROM acf.opportunities WHERE status = 'open'"
                                " ORDER BY score DESC, opportunity_id LIMIT 1")
    return rows[0]["opportunity_id"] if rows else None


def best_angle_id(conn, opportunity_id: str) -> str | None:
    rows = db.fetch_dicts(conn, "SELECT angle_id FROM acf.angles WHERE opportunity_id = %s"
                                " ORDER BY estimated_value DESC, angle_id LIMIT 1", (opportunity_id,))
    return rows[0]["angle_id"] if rows else None


def mark_in_production(conn, opportunity_id: str) -> None:
    # Only from open: a second plan for an opportunity already produced must not move it back.
    conn.execute("UPDATE acf.opportunities SET status = 'in_production', updated_at = now()"
                 " WHERE opportunity_id = %s AND status = 'open'", (opportunity_id,))


def mark_produced(conn, opportunity_id: str | None) -> None:
    conn.execute("UPDATE acf.opportunities SET status = 'produced', updated_at = now()"
                 " WHERE opportunity_id = %s", (opportunity_id,))


def angle_with_term(conn, angle_id: str) -> Angle:
    """The angle, its term taken from its trend (the angle's own may be empty)."""
    row = db.fetch_dicts(conn, "SELECT a.*, t.term FROM acf.angles a JOIN acf.opportunities o USING"
                               " (opportunity_id) JOIN acf.trends t USING (trend_id) WHERE a.angle_id = %s",
                         (angle_id,))[0]
    return Angle(row["angle_id"], row["opportunity_id"], row["kind"], row["hook"], row["title"],
                 list(row["platforms"]), row["format"], row["estimated_value"], row["provider"],
                 row["model"], row["prompt_version"], term=row["term"])


def opportunity_trend(conn, opportunity_id: str | None) -> tuple[str, str]:
    """(term, title) of the trend behind the opportunity."""
    row = db.fetch_dicts(conn, "SELECT t.term, t.title FROM acf.opportunities o JOIN acf.trends t USING"
                               " (trend_id) WHERE o.opportunity_id = %s", (opportunity_id,))[0]
    return row["term"], row["title"]


def trend_category(conn, opportunity_id: str | None) -> str:
    rows = db.fetch_dicts(conn, "SELECT t.category FROM acf.opportunities o JOIN acf.trends t USING (trend_id)"
                                " WHERE o.opportunity_id = %s", (opportunity_id,))
    return (rows[0]["category"] if rows else None) or "general"


def trend_context(conn, opportunity_id: str | None) -> tuple[str, list[Fact]]:
    """The trend's category and its own numbers as facts, for scenes that cite none.

    What the trend stage measured: how often and where it was seen (mentions, sources), its
    regions ranked by engagement, its sightings per day. Facts with too little to show are left out.
    """
    rows = db.fetch_dicts(conn, "SELECT t.trend_id, t.title, t.category, t.observation_count, t.sources"
                                " FROM acf.opportunities o JOIN acf.trends t USING (trend_id)"
                                " WHERE o.opportunity_id = %s", (opportunity_id,))
    if not rows:
        return "general", []
    trend = rows[0]
    facts: list[Fact] = []
    sources = list(trend["sources"] or [])
    if trend["observation_count"]:
        facts.append(Fact("trend-mentions", "stat", trend["title"], "Trend signals",
                          numbers={f"sightings across {len(sources)} source{'s' if len(sources) != 1 else ''}":
                                   int(trend["observation_count"])}))
    by_day = db.fetch_dicts(conn, "SELECT date_trunc('day', observed_at) AS day, count(*) AS n"
                                  " FROM acf.trend_observations WHERE trend_id = %s GROUP BY 1 ORDER BY 1",
                            (trend["trend_id"],))
    if len(by_day) >= 3:
        facts.append(Fact("trend-series", "series", f"Sightings of {trend['title']} per day", "Trend signals",
                          points=[[f"{r['day']:%d %b}", int(r["n"])] for r in by_day[-14:]]))
    regions = db.fetch_dicts(conn, "SELECT region, sum(engagement) AS engagement FROM acf.trend_region_stats"
                                   " WHERE trend_id = %s AND region <> 'ZZ' GROUP BY region"
                                   " ORDER BY 2 DESC, 1 LIMIT 5", (trend["trend_id"],))
    if len(regions) >= 2:
        from babel import Locale   # CLDR's region names (a pinned dependency)

        names = Locale("en").territories
        facts.append(Fact("trend-regions", "regions", "Where it is trending", "Trend signals",
                          points=[[names.get(r["region"], r["region"]), float(r["engagement"])] for r in regions]))
    return trend["category"] or "general", facts


# ---------------------------------------------------------------- content pieces
def insert_plan(conn, plan: ContentPlan, run_id: str | None) -> None:
    # The id is derived from the plan's inputs, so a retried plan task finds its own row.
    conn.execute(
        "INSERT INTO acf.content_pieces (content_id, opportunity_id, angle_id, tier, language, target_seconds,"
        " platforms, aspects, voice_speed, caption_style, status, run_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'planned', %s)"
        " ON CONFLICT (content_id) DO NOTHING",
        (plan.content_id, plan.opportunity_id, plan.angle_id, plan.tier, plan.language, plan.target_seconds,
         plan.platforms, plan.aspects, plan.voice_speed, plan.caption_style, run_id),
    )


def load_plan(conn, content_id: str) -> ContentPlan | None:
    rows = db.fetch_dicts(conn, "SELECT * FROM acf.content_pieces WHERE content_id = %s", (content_id,))
    if not rows:
        return None
    row = rows[0]
    return ContentPlan(row["content_id"], row["opportunity_id"], row["angle_id"], row["tier"],
                       list(row["platforms"]), list(row["aspects"]), row["target_seconds"], row["language"],
                       row["voice_speed"], row["caption_style"])


def set_status(conn, content_id: str, status: str, error: str | None = None) -> None:
    conn.execute("UPDATE acf.content_pieces SET status = %s, error = %s, updated_at = now()"
                 " WHERE content_id = %s", (status, error, content_id))


def record_render_progress(conn, content_id: str, progress) -> None:
    """Upsert how far the render of ``content_id`` is (a :class:`acf.media.render.Progress`)."""
    conn.execute(
        "INSERT INTO acf.render_progress (content_id, percent, rendered_seconds, total_seconds, speed, renditions)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (content_id) DO UPDATE SET percent = EXCLUDED.percent,"
        " rendered_seconds = EXCLUDED.rendered_seconds, total_seconds = EXCLUDED.total_seconds,"
        " speed = EXCLUDED.speed, renditions = EXCLUDED.renditions, updated_at = now(),"
        " started_at = CASE WHEN EXCLUDED.percent < acf.render_progress.percent THEN now()"
        " ELSE acf.render_progress.started_at END",
        (content_id, round(progress.percent, 1), round(progress.rendered_seconds, 2),
         round(progress.total_seconds, 2), progress.speed[:32], progress.label[:64]))


def add_providers(conn, content_id: str, providers: dict[str, str]) -> None:
    conn.execute("UPDATE acf.content_pieces SET providers = providers || %s WHERE content_id = %s",
                 (json.dumps(providers), content_id))


def set_thumbnail(conn, content_id: str, object_key: str) -> None:
    conn.execute("UPDATE acf.content_pieces SET thumbnail_key = %s WHERE content_id = %s",
                 (object_key, content_id))


def script_to_json(script: Script) -> dict:
    return asdict(script)


def script_from_json(data: dict) -> Script:
    scenes = [Scene(**scene) for scene in data["scenes"]]
    return Script(title=data["title"], hook=data["hook"], scenes=scenes, call_to_action=data["call_to_action"],
                  language=data.get("language", "en"),
                  chapters=[tuple(c) for c in data.get("chapters", [])],
                  facts=[Fact(**fact) for fact in data.get("facts", [])])


def save_script(conn, content_id: str, script: Script, provider: str) -> None:
    """The script on its content piece, which moves to ``generating``."""
    conn.execute(
        "UPDATE acf.content_pieces SET title = %s, script = %s, status = 'generating', error = NULL,"
        " providers = providers || %s, updated_at = now() WHERE content_id = %s",
        (script.title, json.dumps(script_to_json(script), ensure_ascii=False), json.dumps({"text": provider}),
         content_id),
    )


def load_script(conn, content_id: str) -> Script | None:
    rows = db.fetch_dicts(conn, "SELECT script FROM acf.content_pieces WHERE content_id = %s", (content_id,))
    if not rows or not rows[0]["script"]:
        return None
    return script_from_json(rows[0]["script"])


# ---------------------------------------------------------------- assets and AI calls
def record_asset(conn, content_id: str, kind: str, scene_index: int | None, provider: str,
                 stored: storage.StoredObject, duration: float | None, meta: dict | None = None) -> str:
    # One row per (content, kind, scene): a retried step replaces its asset instead of adding one.
    asset_id = stable_id("ast", content_id, kind, scene_index if scene_index is not None else "-")
    conn.execute(
        "INSERT INTO acf.assets (asset_id, content_id, kind, scene_index, provider, object_key, duration_seconds,"
        " bytes, checksum, meta) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (asset_id) DO UPDATE SET provider = EXCLUDED.provider, object_key = EXCLUDED.object_key,"
        " duration_seconds = EXCLUDED.duration_seconds, bytes = EXCLUDED.bytes, checksum = EXCLUDED.checksum,"
        " meta = EXCLUDED.meta, created_at = now()",
        (asset_id, content_id, kind, scene_index, provider, stored.key, duration, stored.bytes, stored.checksum,
         json.dumps(meta or {})),
    )
    return asset_id


def scene_assets(conn, content_id: str) -> dict[int, dict[str, dict]]:
    """Image and voice rows by scene index, then by kind."""
    rows = db.fetch_dicts(conn, "SELECT * FROM acf.assets WHERE content_id = %s AND kind IN ('image', 'voice')",
                          (content_id,))
    found: dict[int, dict[str, dict]] = {}
    for row in rows:
        found.setdefault(row["scene_index"], {})[row["kind"]] = row
    return found


def asset_kinds(conn, content_id: str) -> set[str]:
    return {r["kind"] for r in db.fetch_dicts(conn, "SELECT kind FROM acf.assets WHERE content_id = %s",
                                              (content_id,))}


def soundtrack_seconds(conn, content_id: str) -> float | None:
    rows = db.fetch_dicts(conn, "SELECT duration_seconds FROM acf.assets WHERE content_id = %s"
                                " AND kind = 'soundtrack'", (content_id,))
    return float(rows[0]["duration_seconds"]) if rows else None


def caption_windows(conn, content_id: str) -> list[list[float]]:
    """(start, end) of every caption, as the render timed them (kept on the soundtrack asset)."""
    rows = db.fetch_dicts(conn, "SELECT meta -> 'captions' AS captions FROM acf.assets WHERE content_id = %s"
                                " AND kind = 'soundtrack'", (content_id,))
    return list(rows[0]["captions"] or []) if rows else []


def start_call(conn, run_id: str | None, modality: str, provider: str, content_id: str,
               opportunity_id: str | None) -> int | None:
    """Write a provider call about to be made, ``in_flight`` (see :mod:`acf.ai_calls`); its id for
    :func:`record_call` or :func:`fail_call`."""
    return ai_calls.start(conn, run_id=run_id, modality=modality, provider=provider, model=provider,
                          content_id=content_id, opportunity_id=opportunity_id)


def record_call(conn, run_id: str | None, modality: str, provider: str, units: float, latency_ms: int,
                content_id: str, opportunity_id: str | None, call_id: int | None = None) -> None:
    """A provider call answered: completes the row :func:`start_call` wrote, or writes one (a local call)."""
    # A media resolver names no model, so the provider stands in for it; units are images or characters.
    # Committed on its own, as the text ledger's rows: the call is billed whatever becomes of the task.
    if call_id is not None:
        ai_calls.finish(conn, call_id, units=units, latency_ms=latency_ms, ok=True, error=None)
        return
    db.execute_committed(
        conn,
        "INSERT INTO acf.ai_calls (run_id, modality, provider, model, units, latency_ms, content_id, opportunity_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (run_id, modality, provider, provider, units, latency_ms, content_id, opportunity_id),
    )


def open_image_job(conn, content_id: str, scene_index: int, provider: str) -> dict | None:
    """The scene's job at ``provider`` submitted earlier and not yet ended (a retried try takes it up), or None."""
    row = conn.execute(
        "SELECT job FROM acf.image_jobs WHERE content_id = %s AND scene_index = %s AND provider = %s"
        " AND state = 'open' AND expires_at > now()", (content_id, scene_index, provider)).fetchone()
    return row[0] if row else None


def save_image_job(conn, content_id: str, scene_index: int, provider: str, job: dict, wait_seconds: float) -> None:
    """A job just submitted, open until :func:`end_image_job`; committed at once, as the call it was billed for."""
    db.execute_committed(
        conn,
        "INSERT INTO acf.image_jobs (content_id, scene_index, provider, job, expires_at) VALUES (%s, %s, %s, %s,"
        " now() + make_interval(secs => %s)) ON CONFLICT (content_id, scene_index, provider) DO UPDATE SET"
        " job = EXCLUDED.job, state = 'open', submitted_at = now(), expires_at = EXCLUDED.expires_at",
        (content_id, scene_index, provider, json.dumps(job), wait_seconds))


def end_image_job(conn, content_id: str, scene_index: int, provider: str, collected: bool) -> None:
    """The job's image was stored (``collected``), or it ended without one: it is not taken up again."""
    db.execute_committed(
        conn,
        "UPDATE acf.image_jobs SET state = %s WHERE content_id = %s AND scene_index = %s AND provider = %s"
        " AND state = 'open'", ("collected" if collected else "ended", content_id, scene_index, provider))


def fail_call(conn, call_id: int | None, latency_ms: int, exc: BaseException) -> None:
    """A provider call that ended in an error: not billed, its reason kept."""
    if call_id is not None:
        ai_calls.finish(conn, call_id, latency_ms=latency_ms, ok=False,
                        error=redact(f"{type(exc).__name__}: {exc}")[:500])


# ---------------------------------------------------------------- renditions
def save_rendition(conn, content_id: str, aspect: str, width: int, height: int, duration_seconds: float,
                   stored: storage.StoredObject) -> None:
    """Upsert the rendition as ``rendered`` with its checks cleared: a re-render is checked again."""
    conn.execute(
        "INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height, duration_seconds,"
        " object_key, bytes, checksum, checks, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '{}',"
        " 'rendered') ON CONFLICT (content_id, aspect) DO UPDATE SET duration_seconds ="
        " EXCLUDED.duration_seconds, object_key = EXCLUDED.object_key, bytes = EXCLUDED.bytes,"
        " checksum = EXCLUDED.checksum, checks = '{}', status = 'rendered', created_at = now()",
        (stable_id("rnd", content_id, aspect), content_id, aspect, width, height, duration_seconds,
         stored.key, stored.bytes, stored.checksum),
    )


def renditions(conn, content_id: str) -> list[dict]:
    return db.fetch_dicts(conn, "SELECT * FROM acf.renditions WHERE content_id = %s ORDER BY aspect",
                          (content_id,))


def set_rendition_checks(conn, rendition_id: str, status: str, checks: dict) -> None:
    conn.execute("UPDATE acf.renditions SET status = %s, checks = %s WHERE rendition_id = %s",
                 (status, json.dumps(checks), rendition_id))
