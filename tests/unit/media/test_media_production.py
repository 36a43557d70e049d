"""The production stage end to end on the real PostgreSQL and a local object store (offline tier)."""
from __future__ import annotations

import cv2
import psycopg
import pytest

from acf import db, storage
from acf.media import production

pytestmark = pytest.mark.slow


def _status(conn, content_id):
    return db.fetch_dicts(conn, "SELECT status FROM acf.content_pieces WHERE content_id = %s", (content_id,))[0][
        "status"]


def _make_scenes(conn, root, content_id, scenes, **kwargs):
    return ([production.make_visual(conn, root, content_id, i, **kwargs) for i in scenes],
            [production.make_voice(conn, root, content_id, i, **kwargs) for i in scenes])


def test_offline_production_from_plan_to_ready(pg_conn, pg_dsn, object_root, opportunity, tiny_script):
    plan = production.plan_content(pg_conn, platforms=["tiktok", "youtube"], aspects=["9:16", "1:1"],
                                   target_seconds=15, run_id="run-1")
    assert plan.opportunity_id == "opp_best"                  # the best open one
    assert _status(pg_conn, plan.content_id) == "planned"
    scenes = production.store_script(pg_conn, object_root, plan, tiny_script())
    assert scenes == [0, 1] and _status(pg_conn, plan.content_id) == "generating"
    images, voices = _make_scenes(pg_conn, object_root, plan.content_id, scenes)
    assert all(storage.exists(object_root, k) for k in images + voices)
    assert all(k.startswith(f"content/{plan.content_id}/") for k in images + voices)
    pg_conn.commit()   # as each task of the DAG commits its step

    # The render's percent is seen by others while its own transaction is still open (the dashboard).
    seen = []
    with psycopg.connect(pg_dsn, autocommit=True) as live, psycopg.connect(pg_dsn, autocommit=True) as reader:
        writer = production.RenderProgressWriter(live, plan.content_id, every_seconds=0, every_percent=0)

        def progress(report):
            writer(report)
            seen.append(reader.execute("SELECT percent, renditions FROM acf.render_progress WHERE content_id = %s",
                                       (plan.content_id,)).fetchone())

        videos = production.render_content(pg_conn, object_root, plan.content_id, progress=progress)
    assert len(videos) == 2 and _status(pg_conn, plan.content_id) == "rendering"
    percents = [row[0] for row in seen]
    assert len(set(percents)) >= 3 and percents == sorted(percents) and percents[-1] == 100
    assert {row[1] for row in seen} == {"9:16,1:1"}
    thumbs = production.make_thumbnails(pg_conn, object_root, plan.content_id)
    thumb = cv2.imread(str(object_root / thumbs[0]))
    assert thumb.shape[:2] == (720, 1280)
    assert (object_root / thumbs[0]).stat().st_size < 2 * 1024 * 1024

    results = production.check_outputs(pg_conn, object_root, plan.content_id)
    assert {r.aspect for r in results} == {"9:16", "1:1"}
    assert _status(pg_conn, plan.content_id) == "ready"
    assets = db.fetch_dicts(pg_conn, "SELECT kind, provider, bytes, checksum, duration_seconds FROM acf.assets"
                                     " WHERE content_id = %s", (plan.content_id,))
    kinds = sorted(a["kind"] for a in assets)
    assert kinds == sorted(["script", "image", "image", "voice", "voice", "soundtrack", "scene_cards",
                            "thumbnail", "contact_sheet", "storyboard"])
    assert all(a["bytes"] > 0 and len(a["checksum"]) == 64 for a in assets)
    assert all(a["duration_seconds"] > 0.3 for a in assets if a["kind"] == "voice")
    voice_meta = [r["meta"] for r in db.fetch_dicts(pg_conn, "SELECT meta FROM acf.assets WHERE content_id = %s"
                                                    " AND kind = 'voice'", (plan.content_id,))]
    # each voice keeps its word timing for the captions: one entry per written word, in order
    assert all(len(m["words"]) > 3 and m["words"] == sorted(m["words"]) and m["engine"] for m in voice_meta)
    rows = db.fetch_dicts(pg_conn, "SELECT aspect, width, height, status, checks FROM acf.renditions"
                                   " WHERE content_id = %s ORDER BY aspect", (plan.content_id,))
    assert [(r["aspect"], r["width"], r["height"], r["status"]) for r in rows] == [
        ("1:1", 1080, 1080, "ready"), ("9:16", 1080, 1920, "ready")]
    assert rows[1]["checks"]["platforms"] == ["tiktok", "youtube"]
    assert abs(rows[1]["checks"]["loudness_lufs"] + 14) <= 1
    opp = db.fetch_dicts(pg_conn, "SELECT status FROM acf.opportunities WHERE opportunity_id = 'opp_best'")
    assert opp[0]["status"] == "produced"


def test_a_corrupted_rendition_fails_its_check_and_is_never_ready(pg_conn, object_root, opportunity, tiny_script):
    plan = production.plan_content(pg_conn, aspects=["9:16"], platforms=["tiktok"], run_id="run-2")
    scenes = production.store_script(pg_conn, object_root, plan, tiny_script())
    _make_scenes(pg_conn, object_root, plan.content_id, scenes)
    [video] = production.render_content(pg_conn, object_root, plan.content_id, music=False)
    production.make_thumbnails(pg_conn, object_root, plan.content_id)
    (object_root / video).write_bytes(b"not a video")
    with pytest.raises(Exception, match="not readable as media"):
        production.check_outputs(pg_conn, object_root, plan.content_id)
    assert _status(pg_conn, plan.content_id) != "ready"


def test_platform_without_a_fitting_aspect_gets_its_own(pg_conn, opportunity):
    plan = production.plan_content(pg_conn, platforms=["tiktok"], aspects=["16:9"])
    assert plan.aspects == ["16:9", "9:16"]


def test_no_open_opportunity_and_unknown_id_are_clear_errors(pg_conn, opportunity):
    with pytest.raises(production.NoOpportunityError, match="no opportunity 'nope'"):
        production.plan_content(pg_conn, opportunity_id="nope")
    pg_conn.execute("UPDATE acf.opportunities SET status = 'produced'")
    with pytest.raises(production.NoOpportunityError, match="no open opportunity"):
        production.plan_content(pg_conn)
    with pytest.raises(ValueError, match="unknown tier"):
        production.plan_content(pg_conn, tier="gold")


class _BrokenImages:
    def generate_image(self, prompt, width, height):
        raise ConnectionError("stand-in down")


class _BlankImages:
    def generate_image(self, prompt, width, height):
        ok, png = cv2.imencode(".png", (0 * cv2.UMat(8, 8, cv2.CV_8UC3).get()))
        return png.tobytes()


@pytest.mark.parametrize("client, why", [(_BrokenImages(), "stand-in down"), (_BlankImages(), "blank image")])
def test_failing_image_provider_falls_back_to_local(pg_conn, object_root, opportunity, tiny_script, client, why):
    plan = production.plan_content(pg_conn, tier="balanced", run_id="run-3")
    production.store_script(pg_conn, object_root, plan, tiny_script())
    tiers = {"balanced": {"image": ["leonardo", "local"], "voice": ["local"]}}
    resolver = lambda modality, name: client if name == "leonardo" else None  # noqa: E731
    production.make_visual(pg_conn, object_root, plan.content_id, 0, resolver=resolver, tiers=tiers)
    row = db.fetch_dicts(pg_conn, "SELECT provider, meta FROM acf.assets WHERE content_id = %s AND kind = 'image'",
                         (plan.content_id,))[0]
    assert row["provider"] == "local"
    assert row["meta"]["skipped"][0][0] == "leonardo" and why in row["meta"]["skipped"][0][1]


def test_the_best_angle_feeds_the_script_writer(pg_conn, opportunity):
    for angle_id, value in (("ang_a", 0.4), ("ang_b", 0.8)):
        pg_conn.execute(
            "INSERT INTO acf.angles (angle_id, opportunity_id, kind, hook, title, platforms, format, estimated_value,"
            " provider, model, prompt_version) VALUES (%s, 'opp_best', 'explainer', 'Hook!', %s, %s, 'short', %s,"
            " 'local', 'rules', 'v1')", (angle_id, f"Title {angle_id}", ["tiktok"], value))
    plan = production.plan_content(pg_conn)
    angle = production.load_angle(pg_conn, plan)
    assert (plan.angle_id, angle.title, angle.term) == ("ang_b", "Title ang_b", "solar flares")
    plan = production.plan_content(pg_conn, run_id="other")       # the next best: opp_low, with no angle
    angle = production.load_angle(pg_conn, plan)
    assert plan.opportunity_id == "opp_low" and plan.angle_id is None
    assert angle.term == "solar flares" and angle.format == "short"


def test_each_rendition_gets_its_platforms_caption_style_unless_one_is_asked():
    from acf.media.models import ContentPlan

    plan = ContentPlan("c", None, None, "offline", ["youtube", "tiktok"], ["9:16", "16:9", "1:1"], 30)
    assert production.caption_styles(plan) == {"9:16": "word", "16:9": "chunked", "1:1": "chunked"}
    plan.caption_style = "word"
    assert set(production.caption_styles(plan).values()) == {"word"}
    with pytest.raises(ValueError, match="voice_speed"):
        production.plan_content(None, voice_speed=500)


class _PaidImages:
    def generate_image(self, prompt, width, height):
        import numpy as np

        gradient = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (64, 1))
        ok, png = cv2.imencode(".png", np.dstack([gradient, gradient.T, gradient]))
        return png.tobytes()


def test_an_answered_image_call_is_in_the_ledger_even_when_storing_it_fails(pg_conn, object_root, opportunity,
                                                                               tiny_script, monkeypatch):
    """Found by the soak: a step killed (or failing on the store or the database) after the provider answered
    left a billed call out of acf.ai_calls (1 image and 1 voice call of 55 in the 20-minute run)."""
    from acf import storage

    plan = production.plan_content(pg_conn, tier="balanced", run_id="run-paid")
    production.store_script(pg_conn, object_root, plan, tiny_script())
    pg_conn.commit()
    tiers = {"balanced": {"image": ["leonardo"], "voice": ["local"]}}
    resolver = lambda modality, name: _PaidImages() if name == "leonardo" else None  # noqa: E731

    def store_down(*args, **kwargs):
        raise OSError("S3: connection reset")

    monkeypatch.setattr(storage, "put_file", store_down)
    with pytest.raises(OSError):
        production.make_visual(pg_conn, object_root, plan.content_id, 0, resolver=resolver, tiers=tiers)
    pg_conn.rollback()
    calls = pg_conn.execute("SELECT provider, modality FROM acf.ai_calls WHERE content_id = %s", (plan.content_id,)).fetchall()
    assert calls == [("leonardo", "image")]
