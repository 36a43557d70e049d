"""acf_production's make_visual waits for a Leonardo generation on the triggerer: the task submits the
generation and defers (a serialisable trigger holding ids only), the trigger polls the Leonardo stand-in,
and the task resumes to store the image as the worker would (asset row, provider, the ledger's call); a
generation that fails, never completes or cannot be read sends the chain on to the next provider.

The scheduler and the triggerer themselves are exercised by tests/e2e/test_factory_stack.py; here the
operator's execute/resume and the trigger's run() are driven directly, as for publishing
(test_publish_deferrable.py).
"""
from __future__ import annotations

import importlib
import json

import pytest
from airflow.sdk.exceptions import TaskDeferred

from acf import db, storage
from acf.media import production
from operators.make_media import MakeVisualOperator
from stand_ins import media_samples
from stand_ins.base import Fault
from stand_ins.leonardo import LeonardoStandIn
from stand_ins.openai import connection_env
from unit.operators.test_publish_deferrable import run_trigger


@pytest.fixture
def leonardo(monkeypatch):
    """A Leonardo stand-in whose generations answer PENDING three times, then COMPLETE."""
    with LeonardoStandIn(pending_polls=3) as server:
        monkeypatch.setenv(*connection_env("acf_leonardo", "acf_leonardo", server.url + "/api/rest/v1",
                                           server.api_key, poll_seconds=0.05, max_polls=100, max_retries=0))
        for other in ("DIFFUSERS", "OPENAI_IMAGES"):   # the balanced chain: leonardo -> diffusers -> local
            monkeypatch.delenv(f"AIRFLOW_CONN_ACF_{other}", raising=False)
        yield server


def piece(factory, tier: str = "balanced") -> str:
    if not factory.conn.execute("SELECT 1 FROM acf.trends").fetchone():
        media_samples.insert_opportunity(factory.conn)
    plan = production.plan_content(factory.conn, tier=tier, run_id=f"run-{tier}")
    production.store_script(factory.conn, factory.root, plan, media_samples.tiny_script())
    factory.conn.commit()
    return plan.content_id


def deferred(content_id: str, context, scene: int = 0) -> tuple[MakeVisualOperator, TaskDeferred]:
    op = MakeVisualOperator(task_id="make_visual", content_id=content_id, scene_index=str(scene), deferrable=True)
    with pytest.raises(TaskDeferred) as raised:
        op.execute(context())
    return op, raised.value


def image_rows(factory, content_id: str) -> list[dict]:
    factory.conn.rollback()   # see what the operator's own connection committed
    return db.fetch_dicts(factory.conn, "SELECT provider, object_key, meta FROM acf.assets WHERE content_id = %s"
                                        " AND kind = 'image'", (content_id,))


def test_a_leonardo_generation_is_waited_for_on_the_triggerer_then_stored(factory, context, leonardo):
    content_id = piece(factory)
    op, wait = deferred(content_id, context)
    assert wait.method_name == "resume" and len(leonardo.requests_to(r"/generations$")) == 1
    classpath, trigger_kwargs = wait.trigger.serialize()
    module, _, name = classpath.rpartition(".")
    assert getattr(importlib.import_module(module), name) is type(wait.trigger)    # the triggerer can import it
    serialised = json.dumps(trigger_kwargs) + json.dumps(wait.kwargs)
    for secret in (leonardo.api_key, leonardo.url, "a bright sun"):              # ids only: no key, URL, prompt
        assert secret not in serialised
    assert trigger_kwargs["provider"] == "leonardo" and trigger_kwargs["job"] == {"generation_id": "gen-1"}
    assert image_rows(factory, content_id) == []                                 # nothing stored while it waits
    assert image_calls(factory, content_id) == [("leonardo", 1, "manual__ops-test")]   # billed when created

    event = run_trigger(type(wait.trigger)(**trigger_kwargs))                    # PENDING x3, then COMPLETE
    assert event == {"status": "complete", "provider": "leonardo", "job": {"generation_id": "gen-1"}}
    assert leonardo.polls["gen-1"] >= 4                                          # the trigger did the polling

    key = op.resume(context(), event, **wait.kwargs)
    rows = image_rows(factory, content_id)
    assert [(r["provider"], r["object_key"], r["meta"]["skipped"]) for r in rows] == [("leonardo", key, [])]
    assert storage.exists(factory.root, key) and len(leonardo.requests_to(r"/generations$")) == 1   # not asked twice
    assert image_calls(factory, content_id) == [("leonardo", 1, "manual__ops-test")]   # not counted twice


def image_calls(factory, content_id: str) -> list[tuple]:
    factory.conn.rollback()
    return factory.conn.execute("SELECT provider, units, run_id FROM acf.ai_calls WHERE content_id = %s"
                                " AND modality = 'image' ORDER BY call_id", (content_id,)).fetchall()


def row_content(factory, row: dict) -> str:
    return factory.conn.execute("SELECT content_id FROM acf.assets WHERE object_key = %s",
                                (row["object_key"],)).fetchone()[0]


def fell_back(factory, context, before_trigger=lambda: None, before_resume=lambda: None) -> tuple[dict, dict]:
    """Defer, wait on the trigger, resume, each with its fault: (the trigger's event, the scene's image row)."""
    content_id = piece(factory)
    op, wait = deferred(content_id, context)
    before_trigger()
    event = run_trigger(wait.trigger)
    before_resume()
    key = op.resume(context(), event, **wait.kwargs)
    [row] = image_rows(factory, content_id)
    assert row["provider"] == "local" and row["object_key"] == key and storage.exists(factory.root, key)
    return event, row


def test_a_failed_generation_falls_to_the_next_provider_with_its_reason(factory, context, leonardo):
    leonardo.fail = True
    event, row = fell_back(factory, context)
    assert event["status"] == "failed"
    assert [name for name, _ in row["meta"]["skipped"]] == ["leonardo", "diffusers"]
    assert "generation_id=gen-1: failed" in row["meta"]["skipped"][0][1]
    assert "not configured" in row["meta"]["skipped"][1][1]
    # the failed generation was billed when it was made: the ledger keeps it beside the local image
    assert [provider for provider, _, _ in image_calls(factory, row_content(factory, row))] == ["leonardo", "local"]


def test_a_generation_that_never_completes_times_out_to_the_next_provider(factory, context, leonardo, monkeypatch):
    monkeypatch.setenv(*connection_env("acf_leonardo", "acf_leonardo", leonardo.url + "/api/rest/v1",
                                       leonardo.api_key, poll_seconds=0.05, max_polls=4, max_retries=0))
    leonardo.hold = True
    event, row = fell_back(factory, context)
    assert event["status"] == "timeout" and leonardo.polls["gen-1"] >= 2
    assert "generation_id=gen-1: not finished after 0.2 s" in row["meta"]["skipped"][0][1]


def test_a_generation_whose_status_cannot_be_read_falls_to_the_next_provider(factory, context, leonardo):
    event, row = fell_back(factory, context, before_trigger=lambda: leonardo.faults.always(
        Fault.server_error(503), path=r"/generations/gen-"))
    assert event["status"] == "error" and "HTTP 503" in event["reason"]
    assert "HTTP 503" in row["meta"]["skipped"][0][1]


def test_a_download_that_fails_after_complete_falls_to_the_next_provider(factory, context, leonardo):
    event, row = fell_back(factory, context, before_resume=lambda: leonardo.faults.always(
        Fault.server_error(500), path=r"/files/"))
    assert event["status"] == "complete" and "leonardo download: HTTP 500" in row["meta"]["skipped"][0][1]


def test_offline_never_defers_and_without_deferral_the_worker_waits(factory, context, leonardo):
    content_id = piece(factory, "offline")
    key = MakeVisualOperator(task_id="make_visual", content_id=content_id, scene_index=1,
                             deferrable=True).execute(context())
    assert image_rows(factory, content_id)[0]["provider"] == "local" and key.endswith("001/image.png")
    assert leonardo.requests == []

    content_id = piece(factory)
    key = MakeVisualOperator(task_id="make_visual", content_id=content_id, scene_index=0).execute(context())
    assert image_rows(factory, content_id)[0]["provider"] == "leonardo"       # polled in the worker, as before
    assert leonardo.polls["gen-1"] == 4


def test_a_resume_without_its_kwargs_still_stores_the_image(factory, context, leonardo):
    """dag.test() in Airflow 3.3.2 resumes a deferred task with the event only (apache/airflow#69942)."""
    content_id = piece(factory)
    op, wait = deferred(content_id, context)
    key = op.resume(context(), run_trigger(wait.trigger))
    assert [(r["provider"], r["object_key"]) for r in image_rows(factory, content_id)] == [("leonardo", key)]


def job_state(factory, content_id: str) -> str | None:
    factory.conn.rollback()
    row = factory.conn.execute("SELECT state FROM acf.image_jobs WHERE content_id = %s", (content_id,)).fetchone()
    return row[0] if row else None


def test_a_retried_try_takes_up_the_generation_its_earlier_try_submitted(factory, context, leonardo):
    """Under load Airflow 3.3.2 ended deferred tries from outside ("task state changed externally"); each retry
    submitted its scene's generation again, billed twice (seen in the soak beside the stack tests)."""
    content_id = piece(factory)
    first, wait = deferred(content_id, context)
    assert job_state(factory, content_id) == "open"
    retry, again = deferred(content_id, context)                                 # the next try, from scratch
    assert again.trigger.job == wait.trigger.job == {"generation_id": "gen-1"}
    assert len(leonardo.requests_to(r"/generations$")) == 1                      # not submitted again
    assert image_calls(factory, content_id) == [("leonardo", 1, "manual__ops-test")]   # nor billed again

    key = retry.resume(context(), run_trigger(again.trigger), **again.kwargs)
    assert [(r["provider"], r["object_key"]) for r in image_rows(factory, content_id)] == [("leonardo", key)]
    assert job_state(factory, content_id) == "collected"
    deferred(content_id, context)                    # a later remake of the scene is a new generation
    assert len(leonardo.requests_to(r"/generations$")) == 2


def test_a_generation_that_failed_is_not_taken_up_again(factory, context, leonardo):
    leonardo.fail = True
    event, row = fell_back(factory, context)
    content_id = row_content(factory, row)
    assert job_state(factory, content_id) == "ended"
    leonardo.fail = False
    deferred(content_id, context)
    assert len(leonardo.requests_to(r"/generations$")) == 2


class Killed(BaseException):
    """Stands for a SIGKILL: nothing of the try's own error handling runs."""


def test_a_killed_worker_wait_leaves_the_generation_for_the_retry(factory, context, leonardo, monkeypatch):
    """Without deferral the worker waits itself; a try killed meanwhile (the soak's SIGKILLs) leaves the job
    open, and the retry downloads that generation instead of paying for another."""
    content_id = piece(factory)

    def killed(client, job):
        raise Killed()

    with monkeypatch.context() as patched:
        patched.setattr(production, "_wait_here", killed)
        with pytest.raises(Killed):
            MakeVisualOperator(task_id="make_visual", content_id=content_id, scene_index=0).execute(context())
    assert job_state(factory, content_id) == "open" and image_rows(factory, content_id) == []
    key = MakeVisualOperator(task_id="make_visual", content_id=content_id, scene_index=0).execute(context())
    assert image_rows(factory, content_id)[0]["provider"] == "leonardo" and key.endswith("000/image.png")
    assert len(leonardo.requests_to(r"/generations$")) == 1
    assert image_calls(factory, content_id) == [("leonardo", 1, "manual__ops-test")]
    assert job_state(factory, content_id) == "collected"
