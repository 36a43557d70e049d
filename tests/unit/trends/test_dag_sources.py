"""acf_trends picks a source's live hook only when its Connection exists; otherwise the bundled sample."""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from acf.trends import pipeline
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


def test_live_hook_when_connection_exists_sample_otherwise(dag_module, monkeypatch, object_root):
    _mode(monkeypatch, dag_module, "auto")
    with x_stand_in() as server:
        monkeypatch.setenv("AIRFLOW_CONN_ACF_X", json.dumps(
            {"conn_type": "acf_x", "host": server.url, "password": BEARER, "extra": {"timeout": 2}}))
        fetcher = dag_module._live_fetcher("x")
        assert fetcher is not None
        live = pipeline.fetch_raw("x", "US", object_root, interval_start=START, fetcher=fetcher)
        assert live["status"] == "ok" and live["origin"] == "live"
        assert server.requests[-1].path == "/2/trends/by/woeid/23424977"
    assert dag_module._live_fetcher("reddit") is None  # no Connection: the sample set
    sample = pipeline.fetch_raw("reddit", "US", object_root, interval_start=START, fetcher=None)
    assert sample["origin"] == "sample" and sample["status"] == "ok"


def test_offline_mode_ignores_connections_and_live_mode_needs_them(dag_module, monkeypatch, object_root):
    monkeypatch.setenv("AIRFLOW_CONN_ACF_X", json.dumps({"conn_type": "acf_x", "host": "http://127.0.0.1:9",
                                                         "password": "t"}))
    _mode(monkeypatch, dag_module, "offline")
    assert dag_module._live_fetcher("x") is None
    _mode(monkeypatch, dag_module, "live")
    result = pipeline.fetch_raw("reddit", "GB", object_root, interval_start=START,
                                fetcher=dag_module._live_fetcher("reddit"))
    assert result["status"] == "unavailable" and "acf_reddit" in result["error"]
