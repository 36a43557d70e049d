"""The factory as users drive it: a running API server, scheduler and UI, the REST API.

One stack for the module: the chain is triggered once through the REST API and the
Assets carry it from trends to published packages, then acf_production is triggered
with a Params conf, as README documents.
"""
import psycopg
import pytest

pytestmark = pytest.mark.slow


def test_unauthenticated_calls_are_refused(factory_stack):
    status, _ = factory_stack.call("GET", "/api/v2/dags", token="")
    assert status == 401


def test_the_factory_dags_are_served_and_unpaused(factory_stack):
    status, body = factory_stack.call("GET", "/api/v2/dags?dag_id_pattern=acf_")
    assert status == 200
    dags = {d["dag_id"]: d for d in body["dags"]}
    for dag_id in ("acf_trends", "acf_opportunities", "acf_production", "acf_publish", "acf_analytics"):
        assert dag_id in dags
        assert dags[dag_id]["is_paused"] is False, dag_id


def test_ui_is_served(factory_stack):
    import urllib.request

    with urllib.request.urlopen(factory_stack.base + "/", timeout=30) as resp:
        assert resp.status == 200
        assert b"<html" in resp.read().lower()


def test_a_triggered_run_carries_one_trend_to_published_packages(factory_stack):
    status, run = factory_stack.call("POST", "/api/v2/dags/acf_trends/dagRuns",
                                     {"logical_date": None, "conf": {"subreddits": ["r/space"]}})
    assert status == 200, run
    assert factory_stack.wait_for_run("acf_trends", run["dag_run_id"])["state"] == "success"
    with psycopg.connect(factory_stack.env["ACF_DATABASE_DSN"]) as conn:  # the param's extra mapped fetch
        assert conn.execute("SELECT count(*) FROM acf.trend_loads WHERE part = 'r-space'").fetchone()[0] == 1
    # Assets chain the rest: opportunities -> production -> publish.
    for dag_id in ("acf_opportunities", "acf_production", "acf_publish"):
        assert factory_stack.wait_for_run(dag_id)["state"] == "success", dag_id
    with psycopg.connect(factory_stack.env["ACF_DATABASE_DSN"]) as conn:
        ready = conn.execute("SELECT count(*) FROM acf.content_pieces WHERE status = 'ready'").fetchone()[0]
        published = conn.execute("SELECT count(*) FROM acf.publications WHERE state = 'published'").fetchone()[0]
    assert ready >= 1
    assert published >= 1


def test_trigger_production_with_params_and_poll(factory_stack):
    conf = {"tier": "offline", "platforms": ["tiktok"], "aspect_ratios": ["9:16"], "target_seconds": 15,
            "language": "en"}
    status, run = factory_stack.call("POST", "/api/v2/dags/acf_production/dagRuns",
                                     {"logical_date": None, "conf": conf})
    assert status == 200, run
    assert run["conf"]["platforms"] == ["tiktok"]
    final = factory_stack.wait_for_run("acf_production", run["dag_run_id"])
    assert final["state"] == "success"


def _wait_until_parked_attempt_reported(stack, run_id: str, timeout: float = 60) -> None:
    """Wait until the scheduler has the executor's report of the attempt that parked the task.

    Airflow 3.3.2 races an answer given within a second of parking: the answer resumes the task
    (state scheduled) before the executor reports the parked attempt as ended, the scheduler then
    takes that report for a lost task and retries it, and the retry asks again with the answer gone.
    A reviewer takes longer than that; the test waits for the report instead of guessing a delay.
    """
    import time
    from pathlib import Path

    log = Path(stack.env["ACF_HOME"]) / "logs" / "scheduler.log"
    marker = f"task_id='approve', run_id='{run_id}'"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any("Received executor event" in line and marker in line
               for line in log.read_text(errors="replace").splitlines()):
            return
        time.sleep(1)


def test_approve_a_pending_human_in_the_loop_step(factory_stack):
    """acf_publish with require_approval waits at `approve` until a person answers through the API."""
    import time

    # acf_publish runs one at a time: let the Asset-triggered runs of earlier tests finish first.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _, runs = factory_stack.call("GET", "/api/v2/dags/acf_publish/dagRuns?state=queued&state=running")
        if not runs.get("dag_runs"):
            break
        time.sleep(3)
    status, run = factory_stack.call("POST", "/api/v2/dags/acf_publish/dagRuns",
                                     {"logical_date": None, "conf": {"require_approval": True}})
    assert status == 200, run
    run_id = run["dag_run_id"]
    ti_path = f"/api/v2/dags/acf_publish/dagRuns/{run_id}/taskInstances/approve"
    path = f"{ti_path}/-1/hitlDetails"
    # Answer once the task is parked, as a reviewer in the UI would: Airflow 3.3.2 records an answer that
    # lands between the request being written and the task parking, but leaves the task waiting
    # (the acf_publish deadline, ACF_APPROVAL_TIMEOUT_HOURS, then resumes it with that answer).
    deadline = time.monotonic() + 300
    detail, state = None, None
    while time.monotonic() < deadline:
        _, ti = factory_stack.call("GET", ti_path)
        state = ti.get("state")
        status, detail = factory_stack.call("GET", path)
        if state == "awaiting_input" and status == 200 and detail.get("options"):
            break
        time.sleep(3)
    assert state == "awaiting_input", state
    _wait_until_parked_attempt_reported(factory_stack, run_id)
    assert status == 200 and "Approve" in detail["options"], detail
    # the reviewer sees what will go out
    assert "Publish run" in detail["subject"]
    status, _ = factory_stack.call("PATCH", path, {"chosen_options": ["Approve"]}, user="viewer")
    assert status == 403
    status, answer = factory_stack.call("PATCH", path, {"chosen_options": ["Approve"]})
    assert status == 200, answer
    assert answer["chosen_options"] == ["Approve"]
    assert factory_stack.wait_for_run("acf_publish", run_id, timeout=300)["state"] == "success"


@pytest.mark.parametrize("dag_id, conf, reason", [
    ("acf_production", {"tier": "gold"}, "tier"),
    ("acf_production", {"platforms": ["myspace"]}, "platforms"),
    ("acf_production", {"aspect_ratios": ["4:3"]}, "aspect_ratios"),
    ("acf_production", {"target_seconds": 100000}, "target_seconds"),
    ("acf_production", {"target_seconds": "sixty"}, "target_seconds"),
    ("acf_trends", {"regions": ["usa"]}, "regions"),
    ("acf_trends", {"subreddits": ["DROP TABLE x;"]}, "subreddits"),
])
def test_invalid_conf_is_refused_with_the_reason(factory_stack, dag_id, conf, reason):
    status, body = factory_stack.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})
    assert 400 <= status < 500, body
    assert reason in str(body)


def test_a_viewer_cannot_trigger(factory_stack):
    status, _ = factory_stack.call("POST", "/api/v2/dags/acf_production/dagRuns", {"logical_date": None},
                                   user="viewer")
    assert status == 403
