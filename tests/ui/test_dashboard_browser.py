"""The dashboard in a real headless browser (Debian's chromium driven by Playwright):
pages load, the gallery plays a video, charts render. Screenshots go to screenshots/dashboard/."""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "dashboard"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

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


@pytest.fixture
def signed_in(browser, server, airflow_tokens):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "_token", "value": airflow_tokens["admin"], "url": server}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, errors
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_every_page_loads_in_the_browser(signed_in, server):
    page, errors = signed_in
    for slug, heading in (("trends", "Trends"), ("opportunities", "Opportunities"), ("content", "Content"),
                          ("performance", "Performance"), ("costs", "Costs")):
        response = page.goto(f"{server}/acf/{slug}")
        assert response.status == 200, slug
        assert page.locator("main h1").inner_text() == heading
        assert page.locator(f'header nav a.active[data-page="{slug}"]').count() == 1
        _shot(page, slug)
    assert errors == []


def test_trend_sparklines_and_pagination(signed_in, server):
    page, _ = signed_in
    page.goto(f"{server}/acf/trends?per_page=5")
    assert page.locator("table.trends tbody tr").count() == 5
    assert page.locator("svg.spark polyline").count() == 5
    page.click("a[rel=next]")
    page.wait_for_url("**page=2**")
    assert "page 2 of 3" in page.locator(".pager .where").inner_text()


def test_the_gallery_plays_a_video(signed_in, server):
    page, errors = signed_in
    page.goto(f"{server}/acf/content")
    assert page.locator(".card img").first.evaluate("img => img.complete && img.naturalWidth") > 0
    page.locator("button.play").first.click()
    page.wait_for_function("() => { const v = document.querySelector('#player-video');"
                           " return v && v.readyState >= 2 && v.currentTime > 0.3 && !v.paused; }", timeout=20000)
    size = page.evaluate("() => { const v = document.querySelector('#player-video');"
                         " return [v.videoWidth, v.videoHeight, v.error]; }")
    assert size == [180, 320, None]
    _shot(page, "content-playing")
    assert errors == []


def test_performance_and_cost_charts_render(signed_in, server):
    page, _ = signed_in
    page.goto(f"{server}/acf/performance")
    series = page.locator("figure.line-chart svg path.series")
    assert series.count() >= 2
    box = series.first.bounding_box()
    assert box and box["width"] > 100
    assert page.locator("figure.bar-chart svg rect.bar").count() >= 3
    page.goto(f"{server}/acf/costs")
    assert page.locator("figure.line-chart svg path.series").count() >= 1


def test_the_browser_without_a_login_is_refused(browser, server):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{server}/acf/trends")
    assert response.status == 401
    assert "Sign in to Airflow" in page.content() and "Sample topic" not in page.content()
    _shot(page, "refused")
    context.close()
