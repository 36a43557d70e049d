"""The dashboard app through FastAPI's TestClient: Airflow auth refusal, pagination, media, metrics."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import SCRAPE_TOKEN, bearer

PROTECTED = ["/acf/", "/acf/trends", "/acf/opportunities", "/acf/content", "/acf/performance", "/acf/costs",
             "/acf/api/trends", "/acf/api/opportunities", "/acf/api/content", "/acf/api/performance",
             "/acf/api/costs", "/acf/media/asset/asset_sample000_thumb", "/acf/media/rendition/rend_sample000",
             "/acf/metrics"]


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
    assert body["total"] == 3 and body["pages"] == 2
    piece = body["items"][0]
    assert piece["thumbnail_asset_id"] and piece["renditions"][0]["aspect"] == "9:16"
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
    assert thumb.content == sample_media["thumbnail"] and thumb.headers["content-type"] == "image/png"


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
    from acf_dashboard.render import content_page

    piece = {"content_id": "c1", "title": "T", "tier": "offline", "status": "ready", "cost_usd": 0,
             "thumbnail_asset_id": "as_thumb", "renditions": [], "publications": []}
    data = {"items": [piece, {**piece, "content_id": "c2", "storyboard_asset_id": "as_<sb>"}],
            "page": 1, "pages": 1, "per_page": 20, "total": 2}
    page = content_page("/acf", data)
    assert page.count('class="storyboard"') == 1
    assert 'href="/acf/media/asset/as_&lt;sb&gt;"' in page
