"""acf_trends picks a source's live hook only when its Connection exists; otherwise the bundled sample."""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from acf import storage
from acf.trends import fetch_plan, pipeline
from stand_ins.base import Fault
from stand_ins.reddit import CLIENT_ID, CLIENT_SECRET, reddit_stand_in
from stand_ins.x import BEARER, x_stand_in

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "dags"))
START = datetime(2026, 11, 24, tzinfo=timezone.utc)


@pytest.fixture
def dag_module(monkeypatch):
    for name in ("ACF_YOUTUBE", "ACF_GOOGLE_TRENDS", "ACF_X", "ACF_REDDIT"):
        monkeypatch.delenv(f"AIRFLOW_CONN_{name}", raising=False)
    import acf_trends

    return acf_trends


def _mode(monkeypatch, module, mode):
    monkeypatch.setattr(module, "_settings", dataclasses.replace(module._settings, trends_mode=mode))


def _x_connection(monkeypatch, url, **extra):
    monkeypatch.setenv("AIRFLOW_CONN_ACF_X", json.dumps(
        {"conn_type": "acf_x", "host": url, "password": BEARER, "extra": {"timeout": 2, **extra}}))


def test_live_hook_when_connection_exists_sample_otherwise(dag_module, monkeypatch, object_root):
    _mode(monkeypatch, dag_module, "auto")
    with x_stand_in() as server:
        _x_connection(monkeypatch, server.url)
        fetcher, signals = dag_module._live_calls("x")
        assert fetcher is not None and signals is not None
        live = pipeline.fetch_raw("x", "US", object_root, interval_start=START, fetcher=fetcher, signals=signals)
        assert live["status"] == "ok" and live["origin"] == "live"
        assert server.requests_to("/2/trends/by/woeid/23424977")
        # recent-search counts for the candidates, the trends without a tweet count first, as phrases
        counts = server.requests_to("/2/tweets/counts/recent")
        assert 1 <= len(counts) <= 10 and counts[0].arg("query") == '"Super Bowl halftime show"'
        assert counts[0].arg("granularity") == "day"
        assert counts[0].headers["authorization"] == f"Bearer {BEARER}"
        assert live["signals_key"] == "raw/x/2026-11-24/US/20261124T000000Z-signals.json" and not live["signals_error"]
    assert dag_module._live_calls("reddit") == (None, None)  # no Connection: the sample set
    sample = pipeline.fetch_raw("reddit", "US", object_root, interval_start=START, fetcher=None)
    assert sample["origin"] == "sample" and sample["status"] == "ok"


def test_counts_failing_leave_the_trends_payload_loadable(dag_module, monkeypatch, object_root):
    _mode(monkeypatch, dag_module, "auto")
    with x_stand_in() as server:
        _x_connection(monkeypatch, server.url)
        # rate limited with a wait past what the retry policy sleeps through
        server.faults.add(Fault.too_many(retry_after=120), path="/2/tweets/counts/recent")
        fetcher, signals = dag_module._live_calls("x")
        result = pipeline.fetch_raw("x", "GB", object_root, interval_start=START, fetcher=fetcher, signals=signals)
        assert result["status"] == "ok" and result["raw_key"] and result["signals_key"] is None
        assert "429" in result["signals_error"] or "Too Many" in result["signals_error"]
        # the next run of the interval reuses the trends and asks for the counts again
        again = pipeline.fetch_raw("x", "GB", object_root, interval_start=START, fetcher=fetcher, signals=signals)
        assert again["status"] == "reused" and again["signals_key"] and not again["signals_error"]


def test_count_terms_zero_turns_counts_off(dag_module, monkeypatch, object_root):
    _mode(monkeypatch, dag_module, "auto")
    with x_stand_in() as server:
        _x_connection(monkeypatch, server.url, count_terms=0)
        fetcher, signals = dag_module._live_calls("x")
        pipeline.fetch_raw("x", "US", object_root, interval_start=START, fetcher=fetcher, signals=signals)
        assert not server.requests_to("/2/tweets/counts/recent")


def test_configured_subreddits_are_fetched_once_each(dag_module, monkeypatch, object_root):
    _mode(monkeypatch, dag_module, "auto")
    with reddit_stand_in() as server:
        monkeypatch.setenv("AIRFLOW_CONN_ACF_REDDIT", json.dumps(
            {"conn_type": "acf_reddit", "host": server.url, "login": CLIENT_ID, "password": CLIENT_SECRET,
             "extra": {"reddit_url": server.url, "timeout": 2, "subreddits": "space, Gaming"}}))
        fetches = fetch_plan.plan(["reddit"], ["US", "GB"], dag_module._subreddits(["r/gaming"], ["reddit"]))
        assert [pipeline.fetch_label(f | {"part": f"r-{f['feed']}" if f["feed"] else "all"}) for f in fetches] == [
            "reddit/US", "reddit/GB", "reddit/r/gaming", "reddit/r/space"]
        feed = fetches[2]
        fetcher, signals = dag_module._live_calls("reddit", feed["feed"])
        result = pipeline.fetch_raw("reddit", feed["region"], object_root, interval_start=START, fetcher=fetcher,
                                    feed=feed["feed"], signals=signals)
        assert server.requests[-1].path == "/r/gaming/hot" and server.requests[-1].arg("geo_filter") is None
    assert result["status"] == "ok" and result["raw_key"] == "raw/reddit/2026-11-24/ZZ/20261124T000000Z-r-gaming.json"
    posts = json.loads(storage.get_bytes(object_root, result["raw_key"]))["data"]["children"]
    assert posts and {p["data"]["subreddit"] for p in posts} == {"gaming"}


def test_offline_mode_ignores_connections_and_live_mode_needs_them(dag_module, monkeypatch, object_root):
    monkeypatch.setenv("AIRFLOW_CONN_ACF_X", json.dumps({"conn_type": "acf_x", "host": "http://127.0.0.1:9",
                                                         "password": "t"}))
    _mode(monkeypatch, dag_module, "offline")
    assert dag_module._live_calls("x") == (None, None)
    _mode(monkeypatch, dag_module, "live")
    fetcher, _ = dag_module._live_calls("reddit")
    result = pipeline.fetch_raw("reddit", "GB", object_root, interval_start=START, fetcher=fetcher)
    assert result["status"] == "unavailable" and "acf_reddit" in result["error"]


def test_params_default_to_settings_and_refuse_bad_values():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.exceptions import ParamValidationError

    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[3] / "dags" / "acf_trends.py"))
    assert bag.import_errors == {}
    params = bag.dags["acf_trends"].params
    assert params["regions"] == ["US", "GB", "IN", "BR", "DE", "JP"] and params["subreddits"] == []
    assert params["sources"] == ["youtube", "google_trends", "x", "reddit"]
    params["subreddits"] = ["r/space", "gaming"]
    for name, bad in (("regions", ["usa"]), ("regions", []), ("sources", ["tiktok"]), ("subreddits", ["no spaces"])):
        with pytest.raises(ParamValidationError, match=name):
            params[name] = bad
