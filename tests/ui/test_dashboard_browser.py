"""The dashboard in a real headless browser (Debian's chromium driven by Playwright), served with a seeded
factory database: pages load, the layout holds at 1280x800 and 1920x1080 (nothing overlaps, no picture
is cropped, axis labels never collide from 1 to 100 days of data), live parts move without a reload, and
the creator's buttons send Airflow the calls its REST API expects, with the user's own login.

What Airflow then does with those calls (the run made, the approval answered, the posts published) is
tested against a running stack in tests/e2e/test_factory_stack.py. Screenshots go to .acf/screenshots/dashboard/.
"""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import psycopg
import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".acf" / "screenshots" / "dashboard"
LAYOUT_CHECK = (Path(__file__).with_name("layout_check.js")).read_text()
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
VIEWPORTS = ((1280, 800), (1920, 1080))
MAX_CROP = 0.05

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(dashboard_app):
    """The app served by uvicorn on 127.0.0.1 in a thread of this process (same auth manager)."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(dashboard_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def _open(browser, server, token: str, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "_token", "value": token, "url": server}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture
def signed_in(browser, server, airflow_tokens):
    context, page, errors = _open(browser, server, airflow_tokens["admin"])
    yield page, errors
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _settle(page) -> None:
    """Every picture loaded (lazy ones too) and every video's size known, as a person scrolling would see."""
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => [...document.images].every(i => i.complete)"
                           " && [...document.querySelectorAll('video[src]')].every(v => v.readyState >= 1)",
                           timeout=20000)


def test_every_page_loads_in_the_browser(signed_in, server):
    page, errors = signed_in
    for slug, heading in (("trends", "Trends"), ("opportunities", "Opportunities"), ("content", "Content"),
                          ("review", "Review"), ("live", "Live"), ("performance", "Performance"), ("costs", "Costs")):
        response = page.goto(f"{server}/acf/{slug}")
        assert response.status == 200, slug
        assert page.locator("main h1").inner_text() == heading
        assert page.locator(f'header nav a.active[data-page="{slug}"]').count() == 1
    page.goto(f"{server}/acf/opportunities/opp_sample001")
    assert page.locator("main h1").inner_text() == "Sample topic 1"
    assert errors == []


# (path, what must be on it): the creator's pages, the time charts at 2 to 101 days and a single day.
LAYOUT_PAGES = (
    ("trends", "table.trends"), ("opportunities", "table.opportunities"),
    ("opportunities/opp_sample001", "form#make"), ("opportunities/opp_sample000", "img.storyboard-img"),
    ("content", ".gallery img.thumb"), ("review", "video.review-video"), ("live", ".run .progress"),
    ("performance?days=1", "figure.line-chart"), ("performance?days=3", "figure.line-chart"),
    ("performance?days=14", "figure.line-chart"), ("performance?days=100", "figure.line-chart"),
    ("costs?days=120", "figure.line-chart"), ("security", "table.audit"),
)


def test_the_layout_holds_at_both_sizes(browser, server, airflow_tokens):
    """No two text or chart boxes intersect, no picture is cropped by more than 5 %, nothing runs off the side."""
    failures, checked = [], 0
    for width, height in VIEWPORTS:
        context, page, errors = _open(browser, server, airflow_tokens["admin"], width, height)
        for path, required in LAYOUT_PAGES:
            page.goto(f"{server}/acf/{path}")
            assert page.locator(required).count() >= 1, f"{path}: no {required}"
            _settle(page)
            found = page.evaluate(LAYOUT_CHECK)
            checked += found["checked"]["texts"]
            where = f"{path} at {width}x{height}"
            failures += [f"{where}: overlap {o}" for o in found["overlaps"]]
            failures += [f"{where}: {c['what']} shown at {c['shown']:.3f} instead of {c['natural']:.3f} "
                         f"({c['fit']}, {c['off']:.1%} off)" for c in found["crops"] if c["off"] > MAX_CROP]
            if found["overflow"] > 1:
                failures.append(f"{where}: the page is {found['overflow']} px wider than the window")
            _shot(page, f"{path.replace('/', '-').replace('?', '-').replace('=', '')}-{width}x{height}")
        assert errors == [], errors
        context.close()
    assert checked > 2000   # the check looked at the pages' text, line by line
    assert failures == [], "\n".join(failures)


def test_the_gallery_shows_thumbnails_whole_and_plays_a_video(signed_in, server):
    page, errors = signed_in
    page.goto(f"{server}/acf/content")
    _settle(page)
    sizes = page.evaluate("() => [...document.querySelectorAll('.gallery img.thumb')].map("
                          "i => [i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight])")
    assert len(sizes) == 3 and all(nw == 1280 and nh == 720 for nw, nh, _, _ in sizes)
    assert all(abs(cw / ch - 16 / 9) < 0.02 for _, _, cw, ch in sizes)    # shown 16:9, as made
    page.locator("button.play").first.click()
    page.wait_for_function("() => { const v = document.querySelector('#player-video');"
                           " return v && v.readyState >= 2 && v.currentTime > 0.3 && !v.paused; }", timeout=20000)
    size = page.evaluate("() => { const v = document.querySelector('#player-video');"
                         " return [v.videoWidth, v.videoHeight, v.error]; }")
    assert size == [180, 320, None]
    _shot(page, "content-playing")
    assert errors == []


def test_trend_sparklines_and_pagination(signed_in, server):
    page, _ = signed_in
    page.goto(f"{server}/acf/trends?per_page=5")
    assert page.locator("table.trends tbody tr").count() == 5
    assert page.locator("svg.spark polyline").count() == 5
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert "page 2 of 3" in page.locator(".pager .where").inner_text()


def test_performance_and_cost_charts_render(signed_in, server):
    page, _ = signed_in
    page.goto(f"{server}/acf/performance?days=100")
    series = page.locator("figure.line-chart svg path.series")
    assert series.count() >= 2
    box = series.first.bounding_box()
    assert box and box["width"] > 100
    assert page.locator("figure.bar-chart svg rect.bar").count() >= 3
    # 101 days on the axis: labelled a week apart, never each day
    assert 8 <= page.locator("figure.line-chart").first.locator("text.tick[text-anchor=middle]").count() <= 16
    page.goto(f"{server}/acf/costs")
    assert page.locator("figure.chart").count() >= 2


def test_live_parts_move_without_a_reload(signed_in, server, seeded_dsn, seeded_airflow):
    page, errors = signed_in
    page.goto(f"{server}/acf/live")
    assert "render 40%" in page.locator(".run[data-run-id=manual__render_live]").inner_text()
    page.wait_for_function("() => document.querySelector('header a.running').innerText === '2 running'",
                           timeout=20000)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    with psycopg.connect(seeded_dsn["dsn"], autocommit=True) as conn:
        conn.execute("UPDATE acf.render_progress SET percent = 85 WHERE content_id = 'content_live001'")
    seeded_airflow.runs[0]["tasks"] = {"success": 8, "running": 1, "none": 1}
    try:
        page.wait_for_function("() => document.querySelector('.run[data-run-id=manual__render_live]')"
                               ".innerText.includes('render 85%')", timeout=20000)
        assert "tasks 8/10" in page.locator(".run[data-run-id=manual__render_live]").inner_text()
        assert page.evaluate("() => window.stillTheSamePage") is True    # updated in place, not reloaded
        page.goto(f"{server}/acf/content")
        page.evaluate("() => { window.stillTheSamePage = true; }")
        with psycopg.connect(seeded_dsn["dsn"], autocommit=True) as conn:
            conn.execute("UPDATE acf.content_pieces SET status = 'ready' WHERE content_id = 'content_live001'")
        page.wait_for_function("() => document.querySelector('[data-content-id=content_live001] .piece-status')"
                               ".innerText === 'ready'", timeout=20000)
        assert page.evaluate("() => window.stillTheSamePage") is True
        page.goto(f"{server}/acf/opportunities/opp_sample001")          # its status, as production moves it
        assert page.locator(".summary .status").inner_text() == "open"
        page.evaluate("() => { window.stillTheSamePage = true; }")
        with psycopg.connect(seeded_dsn["dsn"], autocommit=True) as conn:
            conn.execute("UPDATE acf.opportunities SET status = 'in_production' WHERE opportunity_id = 'opp_sample001'")
        page.wait_for_function("() => document.querySelector('.summary .status').innerText === 'in_production'",
                               timeout=20000)
        assert page.evaluate("() => window.stillTheSamePage") is True
    finally:
        with psycopg.connect(seeded_dsn["dsn"], autocommit=True) as conn:
            conn.execute("UPDATE acf.render_progress SET percent = 40 WHERE content_id = 'content_live001'")
            conn.execute("UPDATE acf.content_pieces SET status = 'rendering' WHERE content_id = 'content_live001'")
            conn.execute("UPDATE acf.opportunities SET status = 'open' WHERE opportunity_id = 'opp_sample001'")
        seeded_airflow.runs[0]["tasks"] = {"success": 7, "running": 1, "none": 2}
    assert errors == []


def test_make_this_triggers_production_with_the_users_own_login(signed_in, server, dashboard_app, airflow_tokens):
    page, errors = signed_in
    page.goto(f"{server}/acf/opportunities/opp_sample001")
    form = page.locator("form#make")
    form.locator("select[name=tier]").select_option("budget")
    form.locator("input[name=platforms][value=instagram]").set_checked(False)
    form.locator("input[name=platforms][value=youtube]").set_checked(True)
    form.locator("input[name=aspect_ratios][value='16:9']").set_checked(True)
    form.locator("input[name=target_seconds]").fill("45")
    calls = dashboard_app.state.airflow_calls
    calls.clear()
    form.locator("button[name=make]").click()
    page.wait_for_function("() => document.querySelector('.actions .action-status').innerText.includes('queued')",
                           timeout=20000)
    [call] = calls
    assert call["method"] == "POST" and call["path"] == "/api/v2/dags/acf_production/dagRuns"
    platforms = call["body"]["conf"]["platforms"]
    assert call["body"] == {"logical_date": None, "conf": {
        "opportunity": "opp_sample001", "tier": "budget", "platforms": platforms,
        "aspect_ratios": ["9:16", "16:9"], "target_seconds": 45}}
    assert "youtube" in platforms and "instagram" not in platforms
    # the browser's own Airflow login (the UI's cookie), not a token of the dashboard's
    assert call["cookie"] == airflow_tokens["admin"] and call["authorization"] is None
    assert "manual__from_the_dashboard_1" in page.locator(".actions .action-status").inner_text()
    _shot(page, "opportunity-made")
    assert errors == []


def test_skip_marks_the_opportunity_skipped_with_its_reason(signed_in, server, seeded_dsn):
    page, errors = signed_in
    page.goto(f"{server}/acf/opportunities/opp_sample005")
    page.locator("form#skip input[name=reason]").fill("covered it last week")
    page.locator("form#skip button[name=skip]").click()
    page.wait_for_selector("p.skipped", timeout=20000)        # the page reloads with the new status
    assert page.locator("p.skipped").inner_text() == "Skipped by admin: covered it last week"
    assert page.locator("form#skip button[name=skip]").is_disabled()
    with psycopg.connect(seeded_dsn["dsn"]) as conn:
        assert conn.execute("SELECT status, skip_reason, skipped_by FROM acf.opportunities"
                            " WHERE opportunity_id = 'opp_sample005'").fetchone() == (
            "skipped", "covered it last week", "admin")
    assert errors == []


def test_review_answers_the_approval_through_airflows_api(signed_in, server, dashboard_app, airflow_tokens):
    page, errors = signed_in
    page.goto(f"{server}/acf/review")
    review = page.locator("article.review[data-run-id=manual__review_1]")
    assert review.locator(".package").count() == 2
    assert "#sampletopic" in review.locator(".package[data-platform=youtube]").inner_text()
    assert "posted when approved" in review.inner_text()
    description = review.locator(".package[data-platform=youtube] .description")
    assert "Made with AI-generated images and voice." in description.inner_text()
    assert description.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), "the description is cut off"
    assert "the hook overstates the numbers" in page.locator(".answered").inner_text()   # a past rejection's reason
    calls = dashboard_app.state.airflow_calls
    calls.clear()
    review.locator("button[name=reject]").click()                 # a rejection needs its reason first
    assert "Say why" in review.locator(".action-status").inner_text() and calls == []
    review.locator("input[name=reason]").fill("the thumbnail shows the wrong team")
    review.locator("button[name=reject]").click()
    page.wait_for_function("() => document.querySelector('article.review .action-status').innerText"
                           ".includes('Rejected')", timeout=20000)
    [call] = calls
    assert call["method"] == "PATCH"
    assert call["path"] == "/api/v2/dags/acf_publish/dagRuns/manual__review_1/taskInstances/approve/-1/hitlDetails"
    assert call["body"] == {"chosen_options": ["Reject"], "params_input": {"reason": "the thumbnail shows the wrong team"}}
    assert call["cookie"] == airflow_tokens["admin"] and call["authorization"] is None
    assert errors == []


def test_answers_wait_until_the_step_is_parked(signed_in, server, seeded_airflow):
    page, _ = signed_in
    seeded_airflow.approvals[0]["task_state"] = "running"    # the request is written, the task not parked yet
    try:
        page.goto(f"{server}/acf/review")
        review = page.locator("article.review")
        assert review.locator("button[name=approve]").is_disabled()
        assert "answer once it shows awaiting input" in review.inner_text()
        seeded_airflow.approvals[0]["task_state"] = "awaiting_input"    # parked: the buttons turn on by themselves
        page.wait_for_function("() => !document.querySelector('article.review button[name=approve]').disabled",
                               timeout=20000)
    finally:
        seeded_airflow.approvals[0]["task_state"] = "awaiting_input"


def test_a_viewer_sees_the_actions_off(browser, server, airflow_tokens):
    context, page, errors = _open(browser, server, airflow_tokens["viewer"])
    page.goto(f"{server}/acf/opportunities/opp_sample001")
    assert page.locator("form#make button[name=make]").is_disabled()
    assert page.locator("form#skip button[name=skip]").is_disabled()
    assert "may not trigger" in page.locator(".actions").inner_text()
    page.goto(f"{server}/acf/review")
    assert page.locator("article.review button[name=approve]").is_disabled()
    assert page.locator("article.review button[name=reject]").is_disabled()
    _shot(page, "review-as-viewer")
    assert errors == []
    context.close()


def test_the_browser_without_a_login_is_refused(browser, server):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{server}/acf/trends")
    assert response.status == 401
    assert "Sign in to Airflow" in page.content() and "Sample topic" not in page.content()
    context.close()
