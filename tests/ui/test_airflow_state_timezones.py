"""The Review page's account time zones, read as the publish step reads them: each platform's publishing
Connection's ``timezone`` extra, through Airflow's own Connection lookup (here its environment backend)."""
from __future__ import annotations

import json


def test_account_timezones_are_the_publishing_connections_timezone_extras(monkeypatch):
    from acf_dashboard.airflow_state import AirflowState

    def conn(**extra):
        return json.dumps({"conn_type": "http", "host": "127.0.0.1", "password": "not-read", "extra": extra})

    monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE_UPLOAD", conn(timezone="Asia/Tokyo", channel_id="UC1"))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_FACEBOOK", conn(timezone="Europe/Berlin"))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_TIKTOK", conn())
    monkeypatch.setenv("AIRFLOW_CONN_ACF_INSTAGRAM", conn(timezone=""))
    assert AirflowState().account_timezones() == {"youtube": "Asia/Tokyo", "facebook": "Europe/Berlin"}
