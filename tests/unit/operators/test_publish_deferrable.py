"""PublishContentOperator's waits run on the triggerer: it defers (a serialisable trigger, no secrets in it),
the trigger polls the platform's stand-in until the post is processed, and the task resumes to finish.

The scheduler and the triggerer themselves are exercised by tests/e2e/test_factory_stack.py; here the
operator's execute/resume and the trigger's run() are driven directly.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk import Connection
from airflow.sdk.exceptions import TaskDeferred

from operators.publish import PublishContentOperator
from stand_ins.facebook import FacebookStandIn
from stand_ins.tiktok import TikTokStandIn
from unit.operators.conftest import seed_ready_piece

KB = 1024


@pytest.fixture
def tiktok(monkeypatch):
    with TikTokStandIn() as server:   # real chunk rules: the 500-byte test video is one chunk
        monkeypatch.setenv("AIRFLOW_CONN_ACF_TIKTOK", Connection(
            conn_id="acf_tiktok", conn_type="acf_tiktok", host=server.url, login="ck", password="cs-secret-value",
            extra=json.dumps({"access_token": "tt-access-1", "refresh_token": "tt-refresh-1", "account": "creator-1",
                              "token_expires_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()}),
        ).get_uri())
        yield server


def defer_held(factory, context, stand_in, content_id: str, platform: str, **options) -> tuple:
    """A ready piece for ``platform`` whose upload the stand-in keeps processing: (operator, the deferral)."""
    seed_ready_piece(factory.conn, factory.root, content_id, platforms=(platform,), tier="budget")
    stand_in.hold_processing = True
    op = PublishContentOperator(task_id="publish", content_id=content_id, platform=platform, deferrable=True,
                                poll_seconds=0.05, **options)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context())
    return op, deferred.value


def run_trigger(trigger, release=None, after: float = 0.3) -> dict:
    """Run the trigger as the triggerer would (its own event loop); ``release()`` after ``after`` seconds."""
    if release is not None:
        threading.Timer(after, release).start()

    async def first_event():
        async for event in trigger.run():
            return event.payload

    return asyncio.run(asyncio.wait_for(first_event(), 30))


def test_processing_wait_is_deferred_to_the_triggerer_then_resumed(factory, context, tiktok):
    op, deferred = defer_held(factory, context, tiktok, "cnt_tt1", "tiktok", processing_timeout=30)
    trigger, kwargs = deferred.trigger, deferred.kwargs                # the upload stays PROCESSING_UPLOAD
    assert deferred.method_name == "resume"
    classpath, trigger_kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    assert getattr(importlib.import_module(module), name) is type(trigger)   # the triggerer can import it
    serialised = json.dumps(trigger_kwargs) + json.dumps(kwargs)
    for secret in ("tt-access-1", "tt-refresh-1", "cs-secret-value", "upload_url", tiktok.url):
        assert secret not in serialised                                        # ids only; it reads the Connection
    assert set(trigger_kwargs["waiting_on"]) == {"publish_id"}
    assert len(tiktok.posts) == 0

    polls_before = len(tiktok.requests_to(r"/status/fetch/"))
    event = run_trigger(type(trigger)(**trigger_kwargs), release=lambda: setattr(tiktok, "hold_processing", False))
    assert event["status"] == "ready"
    assert len(tiktok.requests_to(r"/status/fetch/")) - polls_before >= 2     # it polled while held

    result = op.resume(context(), event, **kwargs)
    assert result["state"] == "published" and len(tiktok.posts) == 1 and tiktok.duplicates() == 0
    assert len(tiktok.requests_to(r"/video/init/")) == 1                      # resumed, not posted again


def test_a_failed_processing_ends_the_wait_and_the_ledger_says_failed(factory, context, tiktok):
    op, deferred = defer_held(factory, context, tiktok, "cnt_tt2", "tiktok")

    def fail():
        for upload in tiktok.uploads.values():
            upload["status"] = "FAILED"

    event = run_trigger(deferred.trigger, release=fail)
    assert event["status"] == "failed"
    assert op.resume(context(), event, **deferred.kwargs)["state"] == "failed"
    assert tiktok.posts == []


def test_the_slot_is_waited_for_on_the_triggerer_then_posted(factory, context, tiktok, monkeypatch):
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger

    from acf.publishing import quotas

    seed_ready_piece(factory.conn, factory.root, "cnt_tt3", platforms=("tiktok",), tier="budget")
    slot = (datetime.now(timezone.utc) + timedelta(hours=3)).replace(microsecond=0)
    op = PublishContentOperator(task_id="publish", content_id="cnt_tt3", platform="tiktok", deferrable=True,
                                publish_at=slot.isoformat())
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context())
    assert isinstance(deferred.value.trigger, DateTimeTrigger) and deferred.value.trigger.moment == slot
    assert tiktok.requests == []                                   # nothing posted before the slot
    row = factory.conn.execute("SELECT state, scheduled_at FROM acf.publications WHERE content_id = 'cnt_tt3'"
                               " AND account = 'creator-1'").fetchone()
    assert row == ("scheduled", slot)
    monkeypatch.setattr(quotas, "now_utc", lambda: slot + timedelta(seconds=2))   # the triggerer fired
    event = asyncio.run(anext(DateTimeTrigger(moment=datetime.now(timezone.utc)).run())).payload
    result = op.resume(context(), event, **deferred.value.kwargs)             # as Airflow resumes it
    assert result["state"] == "published" and result["scheduled_at"] == slot.isoformat()
    assert len(tiktok.posts) == 1


def test_facebook_video_processing_is_polled_by_the_trigger(factory, context, monkeypatch):
    with FacebookStandIn(page_id="1001", video_chunk=64 * KB) as server:
        monkeypatch.setenv("AIRFLOW_CONN_ACF_FACEBOOK", Connection(
            conn_id="acf_facebook", conn_type="acf_facebook", host=f"{server.url}/v21.0", login="app-id",
            password="app-secret", extra=json.dumps({"access_token": "fb-long-lived-1", "page_id": "1001"})).get_uri())
        op, deferred = defer_held(factory, context, server, "cnt_fb1", "facebook")
        assert set(deferred.trigger.waiting_on) == {"video_id"}
        event = run_trigger(deferred.trigger, release=lambda: setattr(server, "hold_processing", False))
        assert event["status"] == "ready"
        result = op.resume(context(), event, **deferred.kwargs)
        assert result["state"] == "published" and len(server.published) == 1


def test_a_rejection_at_approval_is_recorded_so_no_later_run_posts_the_piece(factory, context):
    from acf.publishing import ledger
    from acf.publishing.steps import build_targets
    from operators.publish import ApprovePublishingOperator

    seed_ready_piece(factory.conn, factory.root, "cnt_rej", platforms=("youtube", "tiktok"))
    built = build_targets(factory.conn, factory.root, ["cnt_rej"])
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.sdk.exceptions import DownstreamTasksSkipped

    with DAG("acf_publish_reject_test", schedule=None):
        # with a downstream step, as in acf_publish: Reject skips it by raising, after which nothing runs
        approve = ApprovePublishingOperator(task_id="approve", subject="Publish?", packages_task_ids=[
            "packages_youtube", "packages_tiktok"])
        approve >> EmptyOperator(task_id="publish_youtube")
    ctx = context()
    ctx["task"] = approve
    ctx["ti"].xcom_pull = lambda task_ids: built[task_ids.removeprefix("packages_")]
    ctx["ti"].map_index = -1
    answer = {"chosen_options": ["Reject"], "params_input": {"reason": "the hook overstates the numbers"},
              "responded_at": datetime.now(timezone.utc), "responded_by_user": {"id": "rita", "name": "rita"}}
    with pytest.raises(DownstreamTasksSkipped):
        approve.execute_complete(ctx, answer)
    assert {p for p in ("youtube", "tiktok") if ledger.is_rejected(factory.conn, "cnt_rej", p)} == {"youtube", "tiktok"}
    reasons = {r[0] for r in factory.conn.execute("SELECT error FROM acf.publications WHERE content_id = 'cnt_rej'")}
    assert reasons == {f"rejected by rita at approval in {ctx['run_id']}: the hook overstates the numbers"}
    again = build_targets(factory.conn, factory.root, ["cnt_rej"])
    assert again["youtube"] == [] and again["tiktok"] == []                  # the next run does not package it
    op = PublishContentOperator(task_id="publish", target=built["youtube"][0])
    assert op.execute(context())["state"] == "rejected"                      # nor does a run that already had it
    assert not (factory.root / "outbox").exists()
