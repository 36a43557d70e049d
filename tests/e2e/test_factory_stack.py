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


def _wait_for_idle(stack, dag_id: str, timeout: float = 300) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, runs = stack.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?state=queued&state=running")
        if not runs.get("dag_runs"):
            return
        time.sleep(3)


def test_make_this_and_approve_from_the_dashboard(factory_stack):
    """The click-through in a real browser against the running factory, each person signed in with Airflow's
    own login cookie (roles.yaml under FAB): the creator's "Make this" on an opportunity triggers
    acf_production with the chosen tier, platform, aspect and length (Airflow's REST API, the user's own
    credentials); the run appears on the page and finishes without a reload; a publish run asking for
    approval shows on Review with the video and the platform's package, its buttons off for the creator and
    on for the reviewer, whose Approve answers Airflow's human-in-the-loop step; the publications move on."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from ui.test_dashboard_browser import ARGS, CHROMIUM, SCREENSHOTS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    dsn = factory_stack.env["ACF_DATABASE_DSN"]
    # Let acf_publish's Asset-triggered runs of earlier tests finish, then hold it
    # paused so the piece made here waits for the reviewer instead of going out on the Asset event.
    _wait_for_idle(factory_stack, "acf_publish")
    status, _ = factory_stack.call("PATCH", "/api/v2/dags/acf_publish", {"is_paused": True})
    assert status == 200
    with psycopg.connect(dsn) as conn:
        opportunity_id = conn.execute("SELECT opportunity_id FROM acf.opportunities WHERE status = 'open'"
                                      " ORDER BY score DESC, opportunity_id LIMIT 1").fetchone()[0]
    base = factory_stack.base
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        errors: list[str] = []

        def signed_in(user: str):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_cookies([{"name": "_token", "value": factory_stack.token(user), "url": base}])
            opened = context.new_page()
            opened.on("pageerror", lambda exc: errors.append(f"{user}: {exc}"))
            return opened

        page = signed_in("creator")

        # -- Make this ------------------------------------------------------------------------------------
        page.goto(f"{base}/acf/opportunities/{opportunity_id}")
        make = page.locator("form#make")
        make.locator("select[name=tier]").select_option("offline")
        for box in make.locator("input[name=platforms]").all():
            box.set_checked(box.get_attribute("value") == "tiktok")
        for box in make.locator("input[name=aspect_ratios]").all():
            box.set_checked(box.get_attribute("value") == "9:16")
        make.locator("input[name=target_seconds]").fill("15")
        page.evaluate("() => { window.stillTheSamePage = true; }")
        make.locator("button[name=make]").click()
        page.wait_for_function("() => document.querySelector('form#make').dataset.runId", timeout=60000)
        run_id = make.get_attribute("data-run-id")
        status, run = factory_stack.call("GET", f"/api/v2/dags/acf_production/dagRuns/{run_id}")
        assert status == 200 and run["triggering_user_name"] == "creator"    # the user's own login, not a service
        assert run["conf"] == {"opportunity": opportunity_id, "tier": "offline", "platforms": ["tiktok"],
                               "aspect_ratios": ["9:16"], "target_seconds": 15}
        # the run appears on the page, then finishes there, without a reload
        page.wait_for_selector(f'.run[data-run-id="{run_id}"]', timeout=120000)
        page.wait_for_selector(f'.run[data-run-id="{run_id}"][data-state="success"]', timeout=600000)
        page.wait_for_selector(".made-piece img.thumb", timeout=60000)
        assert page.evaluate("() => window.stillTheSamePage") is True
        page.screenshot(path=str(SCREENSHOTS / "stack-opportunity-made.png"), full_page=True)
        with psycopg.connect(dsn) as conn:
            content_id, piece_status = conn.execute(
                "SELECT content_id, status FROM acf.content_pieces WHERE run_id = %s", (run_id,)).fetchone()
            rendered = conn.execute("SELECT percent FROM acf.render_progress WHERE content_id = %s",
                                    (content_id,)).fetchone()
        assert piece_status == "ready" and rendered == (100,)    # the render's percent, as the live view read it

        # -- Review: a publish run waits for the reviewer ----------------------------------------------------
        status, publish = factory_stack.call("POST", "/api/v2/dags/acf_publish/dagRuns", {
            "logical_date": None, "conf": {"require_approval": True, "content_ids": [content_id]}})
        assert status == 200, publish
        review_run = publish["dag_run_id"]
        assert factory_stack.call("PATCH", "/api/v2/dags/acf_publish", {"is_paused": False})[0] == 200
        page.goto(f"{base}/acf/review")          # the creator sees it waiting, and may not answer
        page.locator(f'article.review[data-run-id="{review_run}"]').wait_for(timeout=300000)
        assert page.locator(f'article.review[data-run-id="{review_run}"] button[name=approve]').is_disabled()
        assert "may not answer" in page.locator("main").inner_text()
        page = signed_in("reviewer")
        page.goto(f"{base}/acf/opportunities/{opportunity_id}")     # the reviewer may not make
        assert page.locator("form#make button[name=make]").is_disabled()
        page.goto(f"{base}/acf/review")
        review = page.locator(f'article.review[data-run-id="{review_run}"]')
        review.wait_for(timeout=300000)
        review.locator(".package[data-platform=tiktok] .package-title").wait_for(timeout=60000)
        assert review.locator("video.review-video").count() == 1
        # the buttons turn on by themselves once the step is parked (and settled)
        page.wait_for_function(f"() => {{ const b = document.querySelector('article.review[data-run-id=\"{review_run}\"]"
                               " button[name=approve]'); return b && !b.disabled; }", timeout=300000)
        _wait_until_parked_attempt_reported(factory_stack, review_run)
        path = f"/api/v2/dags/acf_publish/dagRuns/{review_run}/taskInstances/approve/-1/hitlDetails"
        for refused in ("viewer", "creator"):
            assert factory_stack.call("PATCH", path, {"chosen_options": ["Approve"]}, user=refused)[0] == 403
        page.screenshot(path=str(SCREENSHOTS / "stack-review.png"), full_page=True)
        review.locator("button[name=approve]").click()
        page.wait_for_function("() => [...document.querySelectorAll('.action-status')]"
                               ".some(s => s.innerText.includes('Approved'))", timeout=60000)
        # the publications move on: the answered run lists the piece as published on tiktok
        answered = page.locator(f'.answered-run[data-run-id="{review_run}"]')
        answered.wait_for(timeout=120000)
        page.wait_for_function(
            f"() => {{ const a = document.querySelector('.answered-run[data-run-id=\"{review_run}\"]');"
            " return a && a.innerText.includes('tiktok: published'); }", timeout=300000)
        assert "approve" in answered.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "stack-review-approved.png"), full_page=True)
        assert errors == []
        browser.close()
    assert factory_stack.wait_for_run("acf_publish", review_run, timeout=300)["state"] == "success"
    _, detail = factory_stack.call("GET", path)
    assert detail["chosen_options"] == ["Approve"] and detail["responded_by_user"]["name"] == "reviewer"
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT state FROM acf.publications WHERE content_id = %s AND platform = 'tiktok'",
                            (content_id,)).fetchone() == ("published",)


def test_reject_from_the_dashboard_keeps_the_piece_off_the_platform_with_the_reason(factory_stack):
    """A reviewer's Reject on Review, in the browser, against the running factory: Airflow's step takes the
    answer with its reason, the run skips the upload, and the ledger holds the piece `rejected` on the
    platform with who and why, so no later run posts it."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from ui.test_dashboard_browser import ARGS, CHROMIUM, SCREENSHOTS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    dsn = factory_stack.env["ACF_DATABASE_DSN"]
    _wait_for_idle(factory_stack, "acf_publish")
    assert factory_stack.call("PATCH", "/api/v2/dags/acf_publish", {"is_paused": True})[0] == 200
    with psycopg.connect(dsn) as conn:
        opportunity_id = conn.execute("SELECT opportunity_id FROM acf.opportunities WHERE status = 'open'"
                                      " ORDER BY score DESC, opportunity_id LIMIT 1").fetchone()[0]
    status, made = factory_stack.call("POST", "/api/v2/dags/acf_production/dagRuns", {
        "logical_date": None, "conf": {"opportunity": opportunity_id, "tier": "offline", "platforms": ["tiktok"],
                                       "aspect_ratios": ["9:16"], "target_seconds": 15}}, user="creator")
    assert status == 200, made
    assert factory_stack.wait_for_run("acf_production", made["dag_run_id"], timeout=600)["state"] == "success"
    with psycopg.connect(dsn) as conn:
        content_id = conn.execute("SELECT content_id FROM acf.content_pieces WHERE run_id = %s AND status = 'ready'",
                                  (made["dag_run_id"],)).fetchone()[0]
    status, publish = factory_stack.call("POST", "/api/v2/dags/acf_publish/dagRuns", {
        "logical_date": None, "conf": {"require_approval": True, "content_ids": [content_id]}})
    assert status == 200, publish
    review_run = publish["dag_run_id"]
    assert factory_stack.call("PATCH", "/api/v2/dags/acf_publish", {"is_paused": False})[0] == 200
    reason = "the hook promises more than the video shows"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies([{"name": "_token", "value": factory_stack.token("reviewer"), "url": factory_stack.base}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{factory_stack.base}/acf/review")
        review = page.locator(f'article.review[data-run-id="{review_run}"]')
        review.wait_for(timeout=300000)
        page.wait_for_function(f"() => {{ const b = document.querySelector('article.review[data-run-id=\"{review_run}\"]"
                               " button[name=reject]'); return b && !b.disabled; }", timeout=300000)
        _wait_until_parked_attempt_reported(factory_stack, review_run)
        review.locator("input[name=reason]").fill(reason)
        review.locator("button[name=reject]").click()
        page.wait_for_function(f"() => document.querySelector('article.review[data-run-id=\"{review_run}\"]"
                               " .action-status').innerText.includes('Rejected')", timeout=60000)
        answered = page.locator(f'.answered-run[data-run-id="{review_run}"]')
        answered.wait_for(timeout=120000)
        assert reason in answered.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "stack-review-rejected.png"), full_page=True)
        assert errors == []
        browser.close()
    assert factory_stack.wait_for_run("acf_publish", review_run, timeout=300)["state"] == "success"
    path = f"/api/v2/dags/acf_publish/dagRuns/{review_run}/taskInstances/approve/-1/hitlDetails"
    _, detail = factory_stack.call("GET", path)
    assert detail["chosen_options"] == ["Reject"] and detail["params_input"] == {"reason": reason}
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT state, error, external_id FROM acf.publications WHERE content_id = %s",
                            (content_id,)).fetchall()
    assert rows == [("rejected", f"rejected by reviewer at approval in {review_run}: {reason}", None)]


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


# Each role's allowed and refused calls (roles.yaml under FAB's RBAC). A trigger with an invalid conf is
# answered 400 once authorised (so nothing runs) and 403 when refused; an answer to a run that does not
# exist is 404 once authorised. Refused is 403, never 500.
BAD_CONF = {"acf_production": {"tier": "gold"}, "acf_trends": {"regions": ["usa"]}, "acf_publish": {"limit": -1}}
ROLE_CALLS = {
    # call: {user: expected status}
    ("GET", "/api/v2/dags?dag_id_pattern=acf_"): dict(admin=200, creator=200, reviewer=200, viewer=200),
    ("GET", "/api/v2/dags/acf_production/dagRuns"): dict(admin=200, creator=200, reviewer=200, viewer=200),
    ("GET", "/api/v2/connections"): dict(admin=200, creator=403, reviewer=403, viewer=403),
    ("POST", "/api/v2/dags/acf_production/dagRuns"): dict(admin=400, creator=400, reviewer=403, viewer=403),
    ("POST", "/api/v2/dags/acf_trends/dagRuns"): dict(admin=400, creator=400, reviewer=403, viewer=403),
    ("POST", "/api/v2/dags/acf_publish/dagRuns"): dict(admin=400, creator=403, reviewer=403, viewer=403),
    ("PATCH", "/api/v2/dags/acf_publish/dagRuns/no_such_run/taskInstances/approve/-1/hitlDetails"):
        dict(admin=404, creator=403, reviewer=404, viewer=403),
    ("GET", "/api/v2/eventLogs?limit=1"): dict(admin=200, creator=403, reviewer=403, viewer=403),
    ("GET", "/acf/api/trends"): dict(admin=200, creator=200, reviewer=200, viewer=200),
    ("GET", "/acf/api/audit"): dict(admin=200, creator=403, reviewer=403, viewer=403),
    ("GET", "/acf/api/keys"): dict(admin=200, creator=403, reviewer=403, viewer=403),
}


@pytest.mark.parametrize("user", ["admin", "creator", "reviewer", "viewer"])
def test_each_role_is_allowed_and_refused_what_roles_yaml_says(factory_stack, user):
    token = factory_stack.token(user)
    seen = {}
    for (method, path), expected in ROLE_CALLS.items():
        dag_id = path.split("/")[4] if path.startswith("/api/v2/dags/") else None
        body = ({"logical_date": None, "conf": BAD_CONF[dag_id]} if method == "POST"
                else {"chosen_options": ["Approve"]} if method == "PATCH" else None)
        status, _ = factory_stack.call(method, path, body, token=token)
        seen[f"{method} {path}"] = status
        assert status < 500, (method, path, status)
    assert seen == {f"{m} {p}": e[user] for (m, p), e in ROLE_CALLS.items()}


def test_the_dashboard_records_what_each_user_read_for_the_admin(factory_stack):
    factory_stack.call("GET", "/acf/api/content?per_page=2", user="creator")
    status, trail = factory_stack.call("GET", "/acf/api/audit?per_page=50")
    assert status == 200
    assert any(i["event"] == "acf.read.api.content" and i["user"] == "creator" for i in trail["items"])


def test_a_token_signed_with_another_key_is_refused(factory_stack):
    """Tokens are RS256-signed with the stack's key pair (.acf/jwt, mode 0600): another key is refused."""
    import os
    import time
    from pathlib import Path

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    home = Path(factory_stack.env["ACF_HOME"]) / "jwt"
    assert factory_stack.env["AIRFLOW__API_AUTH__JWT_ALGORITHM"] == "RS256"
    assert {p.name: os.stat(p).st_mode & 0o777 for p in home.iterdir()} == \
        {"private.pem": 0o600, "jwks.json": 0o600, "kid": 0o600}
    genuine = factory_stack.token("admin")
    assert jwt.get_unverified_header(genuine)["alg"] == "RS256"
    claims = jwt.decode(genuine, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims.update(iat=now, nbf=now, exp=now + 600)
    for kid in (jwt.get_unverified_header(genuine)["kid"], "another-key"):
        forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": kid})
        status, _ = factory_stack.call("GET", "/api/v2/dags", token=forged)
        assert status in (401, 403), status
    assert factory_stack.call("GET", "/api/v2/dags", token=genuine)[0] == 200


def test_a_viewer_cannot_trigger(factory_stack):
    status, _ = factory_stack.call("POST", "/api/v2/dags/acf_production/dagRuns", {"logical_date": None},
                                   user="viewer")
    assert status == 403


def _task_states(stack, dag_id: str, run_id: str, task_id: str) -> list[str]:
    _, body = stack.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=200")
    return [t["state"] for t in body.get("task_instances", []) if t["task_id"] == task_id]


def test_uploads_waiting_on_the_platform_hold_no_worker_and_share_one_token_refresh(factory_stack):
    """20 Facebook uploads stay "processing" on the stand-in; their waits run on the triggerer, so with
    parallelism 4 (and the Facebook pool raised to 20, so the pool does not hide the point) a render queued
    behind them starts at once. Their account's token has expired: one task exchanges it and saves the new
    one to the Connection (through the REST API, under the advisory lock); the others use it.
    The piece is made in tier balanced: its Leonardo generations stay PENDING a while, and they too wait
    on the triggerer while the voices are made; once COMPLETE, the images are Leonardo's."""
    import json
    import time
    from datetime import datetime, timedelta, timezone
    from pathlib import Path

    from acf import storage
    from stand_ins.facebook import FacebookStandIn
    from stand_ins.leonardo import LeonardoStandIn

    dsn = factory_stack.env["ACF_DATABASE_DSN"]
    with FacebookStandIn(page_id="1001", video_chunk=64 * 1024) as facebook, LeonardoStandIn(hold=True) as leonardo:
        facebook.hold_processing = True
        status, body = factory_stack.call("POST", "/api/v2/connections", {
            "connection_id": "acf_leonardo", "conn_type": "acf_leonardo", "host": f"{leonardo.url}/api/rest/v1",
            "password": leonardo.api_key, "extra": json.dumps({"poll_seconds": 1, "max_polls": 900})})
        assert status in (200, 201), body
        status, body = factory_stack.call("POST", "/api/v2/connections", {
            "connection_id": "acf_facebook", "conn_type": "acf_facebook", "host": f"{facebook.url}/v21.0",
            "login": "app-id", "password": "app-secret",
            "extra": json.dumps({"access_token": "fb-long-lived-1", "page_id": "1001", "account": "page-1",
                                 "token_expires_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()})})
        assert status in (200, 201), body
        status, body = factory_stack.call("PATCH", "/api/v2/pools/acf_facebook?update_mask=slots",
                                          {"pool": "acf_facebook", "slots": 20, "include_deferred": False})
        assert status == 200, body
        root = Path(factory_stack.env["ACF_HOME"]) / "objects"
        ids = [f"cnt_wait{i:02d}" for i in range(20)]
        with psycopg.connect(dsn) as conn:
            for cid in ids:
                script = {"title": f"Waiting piece {cid}", "hook": "One.", "call_to_action": "Follow!",
                          "scenes": [{"index": 0, "narration": "One.", "seconds": 20}], "chapters": []}
                conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, title, script,"
                             " status, platforms) VALUES (%s, 'budget', 20, %s, %s, 'ready', '{facebook}')",
                             (cid, script["title"], json.dumps(script)))
                video = storage.put_bytes(root, f"content/{cid}/video_9x16.mp4", cid.encode() * 2000)
                conn.execute("INSERT INTO acf.renditions (rendition_id, content_id, aspect, width, height,"
                             " duration_seconds, object_key, bytes, checksum) VALUES (%s, %s, '9:16', 1080, 1920,"
                             " 20, %s, %s, %s)", (f"rd_{cid}", cid, video.key, video.bytes, video.checksum))
            opportunity = conn.execute("SELECT opportunity_id FROM acf.opportunities ORDER BY score DESC"
                                       " LIMIT 1").fetchone()[0]
        status, run = factory_stack.call("POST", "/api/v2/dags/acf_publish/dagRuns",
                                         {"logical_date": None, "conf": {"content_ids": ids}})
        assert status == 200, run
        publish_run = run["dag_run_id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            states = _task_states(factory_stack, "acf_publish", publish_run, "publish_facebook")
            if len(states) == 20 and all(s == "deferred" for s in states):
                break
            time.sleep(3)
        assert states.count("deferred") == 20, states                       # all 20 wait on the triggerer

        status, run = factory_stack.call("POST", "/api/v2/dags/acf_production/dagRuns", {
            "logical_date": None, "conf": {"opportunity": opportunity, "tier": "balanced", "platforms": ["tiktok"],
                                           "aspect_ratios": ["9:16"], "target_seconds": 15}})
        assert status == 200, run
        production_run = run["dag_run_id"]
        deadline = time.monotonic() + 420        # every scene's generation waits on the triggerer too
        while time.monotonic() < deadline:
            visuals = _task_states(factory_stack, "acf_production", production_run, "make_visual")
            voices = _task_states(factory_stack, "acf_production", production_run, "make_voice")
            if visuals and all(s == "deferred" for s in visuals) and voices and all(s == "success" for s in voices):
                break
            time.sleep(3)
        assert visuals and set(visuals) == {"deferred"}, visuals
        assert set(voices) == {"success"}, voices                           # made while the images waited
        assert _task_states(factory_stack, "acf_publish", publish_run, "publish_facebook").count("deferred") == 20
        assert len(leonardo.generations) == len(visuals) and min(leonardo.polls.values()) >= 1
        leonardo.hold = False                                               # the generations complete
        render_started = False
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and not render_started:
            render_started = any(s in ("running", "success") for s in
                                 _task_states(factory_stack, "acf_production", production_run, "render"))
            time.sleep(3)
        publishing = _task_states(factory_stack, "acf_publish", publish_run, "publish_facebook")
        assert render_started, "the render did not start while the uploads waited"
        assert publishing.count("deferred") == 20 and facebook.published and facebook.hold_processing
        with psycopg.connect(dsn) as conn:
            images = conn.execute("SELECT a.provider, count(*) FROM acf.assets a JOIN acf.content_pieces c USING"
                                  " (content_id) WHERE c.run_id = %s AND a.kind = 'image' GROUP BY 1",
                                  (production_run,)).fetchall()
        assert images == [("leonardo", len(visuals))], images
        _, body = factory_stack.call("GET", f"/api/v2/dags/acf_production/dagRuns/{production_run}/taskInstances"
                                            "?task_id_pattern=make_visual&limit=100")
        labels = sorted(t["rendered_map_index"] for t in body["task_instances"] if t["task_id"] == "make_visual")
        assert labels == sorted(f"scene {i}" for i in range(len(visuals))), labels
        assert len(leonardo.requests_to(r"/generations$")) == len(visuals)   # each submitted once

        facebook.hold_processing = False                                    # the platform finishes processing
        assert factory_stack.wait_for_run("acf_publish", publish_run, timeout=420)["state"] == "success"
        assert len(facebook.published) == 20 and facebook.duplicates() == 0
        assert facebook.exchanges == 1                                      # one refresh, shared by every task
        with psycopg.connect(dsn) as conn:
            states = dict(conn.execute("SELECT state, count(*) FROM acf.publications WHERE content_id = ANY(%s)"
                                       " GROUP BY state", (ids,)).fetchall())
        assert states == {"published": 20}
        # The new token is in the Connection, encrypted in Airflow's metadata database.
        extra = _connection_extra(factory_stack, "acf_facebook")
        assert extra["access_token"].startswith("fb-long-lived-r") and extra["access_token"] in facebook.valid_tokens
    # The production run need not finish: this is the module's last test, and the stack stops after it.


def _connection_extra(stack, conn_id: str) -> dict:
    """The Connection's extra as stored in Airflow's metadata database (decrypted with the stack's Fernet key)."""
    import configparser
    import json
    from pathlib import Path

    from cryptography.fernet import Fernet
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from sqlalchemy.engine import make_url

    params = conninfo_to_dict(stack.env["ACF_DATABASE_DSN"])
    airflow_db = make_url(stack.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).database
    airflow_dsn = make_conninfo(**{**params, "dbname": airflow_db})
    with psycopg.connect(airflow_dsn) as conn:
        extra, encrypted = conn.execute("SELECT extra, is_extra_encrypted FROM connection WHERE conn_id = %s",
                                        (conn_id,)).fetchone()
    assert encrypted, "the Connection's extra is stored in clear"
    config = configparser.ConfigParser(interpolation=None)
    config.read(Path(stack.env["AIRFLOW_HOME"]) / "airflow.cfg")
    key = stack.env.get("AIRFLOW__CORE__FERNET_KEY") or config.get("core", "fernet_key")
    return json.loads(Fernet(key.encode()).decrypt(extra.encode()))
