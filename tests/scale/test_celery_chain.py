"""Scale-out: the same factory DAGs on the CeleryExecutor with Redis as the broker.

`acf_trends` is triggered through the REST API; the Assets carry the chain through
acf_opportunities, acf_production and acf_publish. Every task instance that ran must
have been executed by the Celery worker (its id is in the worker's log and Celery
stored a result for it), and the factory database must hold ready content and
published posts.
"""
from __future__ import annotations

import re
import time

import psycopg
import pytest

from .conftest import CHAIN, TERMINAL

pytestmark = pytest.mark.slow

CHAIN_TIMEOUT = 600  # seconds for the whole chain on 2 cores (it takes ~1-2 min); never a timed assertion


def _wait_for_runs(stack, dag_id: str, deadline: float, run_id: str | None = None) -> list[dict]:
    """Runs of `dag_id` once at least one exists (or `run_id`) and none is still queued or running."""
    last = None
    while time.monotonic() < deadline:
        runs = stack.runs(dag_id)
        if run_id:
            runs = [r for r in runs if r["dag_run_id"] == run_id]
        if runs and all(r["state"] in TERMINAL for r in runs):
            return runs
        last = runs
        time.sleep(3)
    raise AssertionError(f"{dag_id} did not finish within {CHAIN_TIMEOUT}s; last seen: {last}\n"
                         f"worker log tail:\n{stack.component_log('celery-worker')[-3000:]}")


@pytest.fixture(scope="module")
def chain_runs(celery_stack) -> dict[str, list[dict]]:
    status, run = celery_stack.call("POST", "/api/v2/dags/acf_trends/dagRuns", {"logical_date": None})
    assert status == 200, run
    deadline = time.monotonic() + CHAIN_TIMEOUT
    runs = {"acf_trends": _wait_for_runs(celery_stack, "acf_trends", deadline, run["dag_run_id"])}
    for dag_id in CHAIN[1:]:
        if any(r["state"] != "success" for r in runs[CHAIN[CHAIN.index(dag_id) - 1]]):
            break  # the Asset never updated: nothing downstream to wait for
        runs[dag_id] = _wait_for_runs(celery_stack, dag_id, deadline)
    return runs


def test_the_asset_chain_succeeds_on_celery(celery_stack, chain_runs):
    for dag_id in CHAIN:
        assert dag_id in chain_runs, f"{dag_id} never ran (its upstream failed)"
        for run in chain_runs[dag_id]:
            if run["state"] != "success":
                pytest.fail(celery_stack.failure_report(dag_id, run), pytrace=False)


def test_every_task_ran_on_the_celery_worker(celery_stack, chain_runs):
    worker_log = celery_stack.component_log("celery-worker")
    received = set(re.findall(r"Executing workload in Celery: .*?\bti=\w+\(id=UUID\('([0-9a-f-]{36})'\)", worker_log))
    assert received, f"the worker executed nothing:\n{worker_log[-3000:]}"
    executed = []
    for dag_id, runs in chain_runs.items():
        for run in runs:
            tis = celery_stack.task_instances(dag_id, run["dag_run_id"])
            # EmptyOperator and skipped tasks never reach an executor; everything else had a worker host.
            ran = [ti for ti in tis if ti["state"] == "success" and ti.get("hostname")]
            assert ran, f"{dag_id} {run['dag_run_id']}: no task ran"
            executed += [(dag_id, ti) for ti in ran]
    missing = [f"{d}.{ti['task_id']}[{ti['map_index']}]" for d, ti in executed if ti["id"] not in received]
    assert not missing, f"not executed by the Celery worker: {missing}"
    # Celery records each in its result backend, the Airflow metadata database, just after the task
    # process reports its state to Airflow: the last result may land a moment after the run ends.
    deadline = time.monotonic() + 120
    with psycopg.connect(celery_stack.airflow_dsn, autocommit=True) as conn:
        while True:
            succeeded = conn.execute("SELECT count(*) FROM celery_taskmeta WHERE status = 'SUCCESS'").fetchone()[0]
            if succeeded >= len(executed) or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert succeeded >= len(executed), f"Celery stored {succeeded} results for {len(executed)} tasks"


def test_content_is_ready_and_published(celery_stack, chain_runs):
    with psycopg.connect(celery_stack.env["ACF_DATABASE_DSN"]) as conn:
        ready = conn.execute("SELECT count(*) FROM acf.content_pieces WHERE status = 'ready'").fetchone()[0]
        published = conn.execute("SELECT count(*) FROM acf.publications WHERE state = 'published'").fetchone()[0]
    assert ready >= 1
    assert published >= 1

