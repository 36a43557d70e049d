"""The dashboard app through FastAPI's TestClient: Airflow auth refusal, pagination, media, metrics."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from .conftest import SCRAPE_TOKEN, bearer

PROTECTED = ["/acf/", "/acf/trends", "/acf/opportunities", "/acf/content", "/acf/performance", "/acf/costs",
             "/acf/review", "/acf/live", "/acf/opportunities/opp_sample001", "/acf/content?part=live",
             "/acf/api/trends", "/acf/api/opportunities", "/acf/api/content", "/acf/api/performance",
             "/acf/api/costs", "/acf/api/live", "/acf/api/review", "/acf/api/opportunities/opp_sample001",
             "/acf/media/asset/asset_sample000_thumb", "/acf/media/rendition/rend_sample000", "/acf/metrics"]


@pytest.mark.parametrize("path", PROTECTED)
def test_unauthenticated_requests_are_refused(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert "Sample topic" not in response.text and "acf_uploads" not in response.text


@pytest.mark.parametrize("path", ["/acf/trends", "/acf/api/trends", "/acf/metrics"])
def test_bad_tokens_and_users_without_a_role_are_refused(client, airflow_tokens, path):
    forged = airflow_tokens["admin"][:-4] + ("AAAA" if not airflow_tokens["admin"].endswith("AAAA") else "BBBB")
    assert client.get(path, headers=bearer(forged)).status_code == 403
    assert client.get(path, headers=bearer(airflow_tokens["norole"])).status_code == 403
    assert client.get(path, headers=bearer(airflow_tokens["viewer"])).status_code == 200


def test_the_airflow_login_cookie_is_accepted(client, airflow_tokens):
    client.cookies.set("_token", airflow_tokens["viewer"])
    try:
        assert client.get("/acf/api/trends").status_code == 200
    finally:
        client.cookies.clear()


def test_html_refusal_tells_the_user_to_sign_in(client):
    response = client.get("/acf/trends", headers={"Accept": "text/html"})
    assert response.status_code == 401 and "Sign in to Airflow" in response.text


def test_static_assets_need_no_login(client):
    assert client.get("/acf/static/dashboard.js").status_code == 200
    assert client.get("/acf/static/icon.svg").headers["content-type"].startswith("image/svg")


def test_trends_are_paginated_without_overlap(client, airflow_tokens):
    headers = bearer(airflow_tokens["admin"])
    first = client.get("/acf/api/trends?per_page=5", headers=headers).json()
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (12, 3, 1, 5)
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/acf/api/trends?page={page}&per_page=5", headers=headers).json()
        seen += [t["trend_id"] for t in body["items"]]
    assert len(seen) == len(set(seen)) == 12
    scores = [t["score"] for t in first["items"]]
    assert scores == sorted(scores, reverse=True)
    assert len(first["items"][0]["sparkline"]) == 12 and max(first["items"][0]["sparkline"]) > 0
    assert client.get("/acf/api/trends?page=9&per_page=5", headers=headers).json()["items"] == []
    for bad in ("page=0", "per_page=0", "per_page=101", "page=x"):
        assert client.get(f"/acf/api/trends?{bad}", headers=headers).status_code == 422


def test_opportunities_filter_and_angles(client, airflow_tokens):
    headers = bearer(airflow_tokens["admin"])
    everything = client.get("/acf/api/opportunities?per_page=100", headers=headers).json()
    skipped = client.get("/acf/api/opportunities?status=skipped", headers=headers).json()
    assert everything["total"] == 12 and skipped["total"] == 3
    assert all(o["status"] == "skipped" and o["skip_reason"] for o in skipped["items"])
    assert everything["items"][0]["angles"][0]["kind"] == "explainer"
    assert client.get("/acf/api/opportunities?status=drop", headers=headers).status_code == 422


def test_content_lists_media_and_platform_status(client, airflow_tokens):
    body = client.get("/acf/api/content?per_page=2", headers=bearer(airflow_tokens["admin"])).json()
    assert body["total"] == 4 and body["pages"] == 2
    rendering, piece = body["items"]
    assert rendering["status"] == "rendering" and rendering["render_percent"] == 40   # newest: being made now
    assert piece["thumbnail_asset_id"] and piece["storyboard_asset_id"] and piece["renditions"][0]["aspect"] == "9:16"
    assert {p["state"] for p in piece["publications"]} <= {"published", "failed"}


def test_video_streams_whole_and_by_range(client, airflow_tokens, sample_media):
    headers = bearer(airflow_tokens["admin"])
    video = sample_media["video"]
    whole = client.get("/acf/media/rendition/rend_sample000", headers=headers)
    assert whole.status_code == 200 and whole.content == video
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
    part = client.get("/acf/media/rendition/rend_sample000", headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == video[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(video)}"
    tail = client.get("/acf/media/rendition/rend_sample000", headers={**headers, "Range": "bytes=-10"})
    assert tail.content == video[-10:]
    beyond = client.get("/acf/media/rendition/rend_sample000",
                        headers={**headers, "Range": f"bytes={len(video)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(video)}"
    thumb = client.get("/acf/media/asset/asset_sample000_thumb", headers=headers)
    assert thumb.content == sample_media["thumbnail"] and thumb.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("path", ["/acf/media/rendition/nope", "/acf/media/file/rend_sample000",
                                  "/acf/media/asset/..%2F..%2Fetc%2Fpasswd"])
def test_media_is_looked_up_by_id_only(client, airflow_tokens, path):
    assert client.get(path, headers=bearer(airflow_tokens["admin"])).status_code == 404


def test_metrics_for_prometheus(client, airflow_tokens):
    assert client.get("/acf/metrics", headers=bearer("wrong-token")).status_code == 403
    scraped = client.get("/acf/metrics", headers=bearer(SCRAPE_TOKEN))
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = scraped.text
    assert "# TYPE acf_uploads gauge" in text
    assert 'acf_uploads{platform="youtube",state="published"}' in text
    assert 'acf_opportunities{status="skipped"} 3' in text
    assert "acf_ai_cost_usd{" in text and 'acf_quarantined_items{stage="trends.validate"} 1' in text
    assert 'acf_trends{category="technology"}' in text
    assert client.get("/acf/metrics", headers=bearer(airflow_tokens["viewer"])).status_code == 200


def test_pages_render_escaped_data_and_charts(client, airflow_tokens):
    headers = bearer(airflow_tokens["admin"])
    trends = client.get("/acf/trends?per_page=5", headers=headers).text
    assert "Sample topic 0 &lt;b&gt;&amp;amp;&lt;/b&gt;" in trends and "<b>&amp;</b>" not in trends
    assert 'class="spark"' in trends and 'rel="next"' in trends and "simulated metrics" in trends
    performance = client.get("/acf/performance", headers=headers).text
    assert performance.count('class="chart line-chart"') == 2 and 'class="chart bar-chart"' in performance
    assert 'class="series"' in performance
    content = client.get("/acf/content", headers=headers).text
    assert 'data-src="/acf/media/rendition/rend_sample000"' in content
    costs = client.get("/acf/costs?per_page=3", headers=headers).text
    assert "Total AI spend" in costs and "page 1 of" in costs
    assert client.get("/acf/", headers=headers).headers["location"] == "/acf/trends"


def test_scrape_token_comes_from_an_airflow_connection(monkeypatch):
    from acf_dashboard.auth import ScrapeToken

    monkeypatch.delenv("AIRFLOW_CONN_ACF_METRICS_SCRAPE", raising=False)
    assert ScrapeToken()() is None
    monkeypatch.setenv("AIRFLOW_CONN_ACF_METRICS_SCRAPE", '{"conn_type": "generic", "password": "s3cr3t-scrape"}')
    token = ScrapeToken(ttl_seconds=0)
    assert token() == "s3cr3t-scrape"
    monkeypatch.setenv("AIRFLOW_CONN_ACF_METRICS_SCRAPE", '{"conn_type": "generic", "password": "rotated"}')
    assert token() == "rotated"  # re-read after the ttl (0 here), so rotation needs no restart


def test_a_content_card_links_its_storyboard_when_one_was_made():
    from acf_dashboard.render import content_gallery

    piece = {"content_id": "c1", "title": "T", "tier": "offline", "status": "ready", "cost_usd": 0,
             "thumbnail_asset_id": "as_thumb", "renditions": [], "publications": []}
    data = {"items": [piece, {**piece, "content_id": "c2", "storyboard_asset_id": "as_<sb>"}],
            "page": 1, "pages": 1, "per_page": 20, "total": 2}
    page = content_gallery("/acf", data)
    assert page.count('class="storyboard"') == 1
    assert 'href="/acf/media/asset/as_%3Csb%3E"' in page   # ids are quoted into URLs, never raw


def test_one_opportunity_with_its_brief_angles_runs_and_pieces(client, airflow_tokens):
    admin = client.get("/acf/api/opportunities/opp_sample000", headers=bearer(airflow_tokens["admin"])).json()
    assert admin["trend_title"].startswith("Sample topic 0") and admin["status"] == "produced"
    assert [f["fact_id"] for f in admin["facts"]] == ["f1", "f2", "f3"]
    assert admin["facts"][1]["source"] == "Sample News" and admin["facts"][1]["url"].startswith("https://")
    assert admin["angles"][0]["kind"] == "explainer" and admin["may_make"] is True
    [piece] = admin["pieces"]
    assert piece["storyboard_asset_id"] and [s["fact_ids"] for s in piece["scenes"]] == [[], ["f1"], ["f2", "f3"]]
    live = client.get("/acf/api/opportunities/opp_sample001", headers=bearer(airflow_tokens["viewer"])).json()
    assert [r["run_id"] for r in live["runs"]] == ["manual__render_live"]
    assert live["runs"][0]["content"]["render_percent"] == 40 and live["may_make"] is False
    assert client.get("/acf/api/opportunities/opp_nope", headers=bearer(airflow_tokens["admin"])).status_code == 404
    assert client.get("/acf/api/opportunities/..%2Fx", headers=bearer(airflow_tokens["admin"])).status_code in (404, 422)


def test_live_runs_are_paginated_with_the_render_percent(client, airflow_tokens):
    headers = bearer(airflow_tokens["viewer"])
    first = client.get("/acf/api/live?per_page=1", headers=headers).json()
    assert (first["total"], first["pages"], len(first["items"])) == (2, 2, 1)
    second = client.get("/acf/api/live?per_page=1&page=2", headers=headers).json()
    runs = {r["dag_id"]: r for r in first["items"] + second["items"]}
    assert set(runs) == {"acf_production", "acf_publish"}
    assert runs["acf_production"]["content"]["content_id"] == "content_live001"
    assert runs["acf_production"]["content"]["render_percent"] == 40
    assert runs["acf_publish"]["tasks"]["awaiting_input"] == 1
    assert client.get("/acf/api/live?per_page=101", headers=headers).status_code == 422
    assert client.get("/acf/api/live", headers=bearer(airflow_tokens["norole"])).status_code == 403


def test_review_lists_what_each_waiting_run_would_post(client, airflow_tokens):
    body = client.get("/acf/api/review", headers=bearer(airflow_tokens["viewer"])).json()
    assert body["total"] == 1 and body["pages"] == 1
    [item] = body["items"]
    assert item["run_id"] == "manual__review_1" and item["task_state"] == "awaiting_input" and item["settled"]
    [piece] = item["pieces"]
    assert piece["content_id"] == "content_sample000" and piece["renditions"][0]["aspect"] == "9:16"
    packages = {p["platform"]: p for p in piece["packages"]}
    assert set(packages) == {"youtube", "tiktok"}
    assert packages["youtube"]["title"] == "Sample topic 0 explained: what happened"
    assert "sampletopic" in packages["youtube"]["tags"] and packages["youtube"]["scheduled_at"] is None
    assert body["answered"][0]["params_input"]["reason"] == "the hook overstates the numbers"
    assert body["answered"][0]["pieces"][0]["content_id"] == "content_sample004"


def test_review_says_when_a_run_asked_for_a_time_goes_live(client, airflow_tokens, seeded_airflow):
    from acf.publishing import schedule

    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    seeded_airflow.approvals[0]["publish_at"] = later.isoformat()
    try:
        body = client.get("/acf/api/review", headers=bearer(airflow_tokens["viewer"])).json()
        [piece] = body["items"][0]["pieces"]
        for package in piece["packages"]:   # no posting windows by default: the asked time itself
            assert schedule.parse_time(package["goes_live"]) == later and package["scheduled_at"] is None
        page = client.get("/acf/review", headers=bearer(airflow_tokens["viewer"])).text
        assert page.count('class="goes-live">goes live') == 2 and "posted when approved" not in page
    finally:
        seeded_airflow.approvals[0].pop("publish_at", None)
    page = client.get("/acf/review", headers=bearer(airflow_tokens["viewer"])).text
    assert "goes live" not in page and page.count("posted when approved") == 2


def test_review_reads_posting_windows_in_the_accounts_time_zone(client, airflow_tokens, seeded_airflow,
                                                                monkeypatch):
    from acf.publishing import schedule

    rule = {"windows": [{"start": "09:00", "end": "10:00"}], "timezone": "UTC"}
    monkeypatch.setattr(schedule, "platform_rule", lambda platform: rule)
    later = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)
    seeded_airflow.approvals[0]["publish_at"] = later.isoformat()
    seeded_airflow.timezones = {"youtube": "Asia/Tokyo"}   # 09:00 there is 00:00 UTC; tiktok's account: UTC
    try:
        body = client.get("/acf/api/review", headers=bearer(airflow_tokens["viewer"])).json()
        packages = {p["platform"]: p for p in body["items"][0]["pieces"][0]["packages"]}
        tokyo = schedule.parse_time(packages["youtube"]["goes_live"])
        assert tokyo == (later + timedelta(days=1)).replace(hour=0)       # the next 09:00 in Tokyo
        assert schedule.parse_time(packages["tiktok"]["goes_live"]) == (later + timedelta(days=1)).replace(hour=9)
        page = client.get("/acf/review", headers=bearer(airflow_tokens["viewer"])).text
        assert "00:00 UTC (09:00 Asia/Tokyo) if approved now" in page
    finally:
        seeded_airflow.approvals[0].pop("publish_at", None)
        seeded_airflow.timezones = {}


def test_the_review_page_turns_the_buttons_on_only_for_those_airflow_lets_answer(client, airflow_tokens):
    admin = client.get("/acf/review", headers=bearer(airflow_tokens["admin"])).text
    viewer = client.get("/acf/review", headers=bearer(airflow_tokens["viewer"])).text
    assert 'name="approve" class="primary" value="Approve">' in admin
    assert 'name="approve" class="primary" value="Approve" disabled>' in viewer and "may not answer" in viewer


def test_live_parts_come_alone_with_their_version(client, airflow_tokens):
    from acf_dashboard import render

    part = client.get("/acf/live?part=live", headers=bearer(airflow_tokens["admin"]))
    assert part.status_code == 200 and "<html" not in part.text and "manual__render_live" in part.text
    assert part.headers["x-live-version"] == render.version(part.text)
    assert part.headers["cache-control"] == "no-store"
    whole = client.get("/acf/live", headers=bearer(airflow_tokens["admin"])).text
    assert f'data-version="{render.version(part.text)}"' in whole and 'data-refresh="/acf/live?part=live"' in whole
    assert client.get("/acf/live?part=all", headers=bearer(airflow_tokens["admin"])).status_code == 422


@pytest.mark.parametrize("days", [1, 2, 3, 7, 14, 30, 45, 60, 99, 100])
def test_day_ticks_never_touch(days):
    """Centred axis labels, at the chart's own width, keep a gap from 1 to 100 days of data."""
    from datetime import date, timedelta

    from acf_dashboard import render

    first = date(2026, 1, 1)
    ticks = render.day_ticks(first, first + timedelta(days=days - 1), 640)
    assert ticks[0] == first and len(ticks) >= min(days, 2)
    centres = [(t - first).days / max(1, days - 1) * 640 for t in ticks]
    widths = [render.text_width(render.day_label(t)) for t in ticks]
    for (c1, w1), (c2, w2) in zip(zip(centres, widths), zip(centres[1:], widths[1:])):
        assert c2 - w2 / 2 - (c1 + w1 / 2) >= 10


def test_skip_needs_airflows_permission_to_trigger_production(client, airflow_tokens, seeded_dsn):
    path = "/acf/api/opportunities/opp_sample009/skip"
    assert client.post(path, json={"reason": "seen it"}).status_code == 401
    assert client.post(path, json={"reason": "seen it"}, headers=bearer(airflow_tokens["viewer"])).status_code == 403
    assert client.post(path, json={"reason": "seen it"}, headers=bearer(airflow_tokens["norole"])).status_code == 403
    admin = bearer(airflow_tokens["admin"])
    assert client.post(path, json={"reason": "   "}, headers=admin).status_code == 422
    assert client.post(path, json={}, headers=admin).status_code == 422
    assert client.post(path, data="reason=seen it", headers={**admin, "Content-Type": "application/x-www-form-urlencoded"}
                       ).status_code == 422            # JSON only: a plain form from another site cannot post it
    done = client.post(path, json={"reason": "a rival covered it <b>yesterday</b>"}, headers=admin)
    assert done.status_code == 200, done.text
    assert done.json() == {"opportunity_id": "opp_sample009", "status": "skipped",
                           "skip_reason": "a rival covered it <b>yesterday</b>", "skipped_by": "admin"}
    assert client.post(path, json={"reason": "again"}, headers=admin).status_code == 409
    assert client.post("/acf/api/opportunities/opp_nope/skip", json={"reason": "x"}, headers=admin).status_code == 404
    page = client.get("/acf/opportunities/opp_sample009", headers=admin).text
    assert "a rival covered it &lt;b&gt;yesterday&lt;/b&gt;" in page      # escaped where it is shown
    from airflow.models.log import Log
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:     # in Airflow's audit log, with who did it (refused ones are not)
        owners = [r.owner for r in session.scalars(select(Log).where(Log.event == "acf.skip"))]
    assert "admin" in owners and "viewer" not in owners


def test_pages_are_recorded_when_opened_not_each_time_they_refresh(client, airflow_tokens):
    from airflow.models.log import Log
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    def recorded(event: str) -> int:
        with create_session() as session:
            return session.scalar(select(func.count()).select_from(Log).where(Log.event == event))

    headers = bearer(airflow_tokens["viewer"])
    before = recorded("acf.read.live")
    assert client.get("/acf/live", headers=headers).status_code == 200
    for part in ("live", "count", "live"):            # what the open page fetches every few seconds
        assert client.get(f"/acf/live?part={part}", headers=headers).status_code == 200
    assert recorded("acf.read.live") == before + 1
    assert client.get("/acf/live?part=count", headers=headers).text == "2"
    before = recorded("acf.read.api.live")
    client.get("/acf/api/live", headers=headers)
    assert recorded("acf.read.api.live") == before + 1
