"""Key ages: rotated_at first, else the last change in Airflow's audit log, else unknown; 90 days."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from acf import settings
from acf.security import key_age

NOW = datetime(2026, 12, 3, tzinfo=timezone.utc)


def test_the_date_comes_from_rotated_at_then_the_audit_log():
    old = key_age.assess("acf_groq", "groq", key_age.parse_rotated_at("2026-08-01"), None, NOW)
    assert old.dated_from == "rotated_at" and round(old.age_days) == 124 and old.overdue
    fresh = key_age.assess("acf_x", "x", None, NOW - timedelta(days=30), NOW)
    assert fresh.dated_from == "audit_log" and not fresh.overdue
    unknown = key_age.assess("acf_y", "y", None, None, NOW)
    assert unknown.dated_from == "unknown" and unknown.age_days is None
    assert key_age.assess("acf_z", "z", NOW - timedelta(days=91), None, NOW, max_age_days=120).overdue is False
    lines = key_age.run_log_lines([old, fresh, unknown])
    assert len(lines) == 2 and "acf_groq" in lines[0] and "124 days" in lines[0] and "acf_y" in lines[1]


def test_rotated_at_is_read_leniently_and_bad_values_count_as_missing():
    assert key_age.rotated_at_from_extra('{"rotated_at": "2026-11-01T10:00:00Z"}').day == 1
    assert key_age.rotated_at_from_extra({"rotated_at": "not a date"}) is None
    assert key_age.rotated_at_from_extra("not json") is None and key_age.rotated_at_from_extra(None) is None


def test_connection_changes_are_found_in_airflows_audit_entries():
    rows = [
        ("post_connection", json.dumps({"connection_id": "acf_groq", "password": "***"}), NOW - timedelta(days=200)),
        ("patch_connection", json.dumps({"connection_id": "acf_groq", "extra": {"rotated_at": "***"}}),
         NOW - timedelta(days=5)),
        ("bulk_connections", json.dumps({"actions": [{"action": "update", "entities": [{"connection_id": "acf_x"}]},
                                                     {"action": "delete", "entities": ["acf_y"]}]}), NOW),
        ("trigger_dag_run", json.dumps({"connection_id": "acf_z"}), NOW),
        ("patch_connection", "not json", NOW),
    ]
    assert key_age.last_changes(rows) == {"acf_groq": NOW - timedelta(days=5), "acf_x": NOW}


def test_the_daily_check_records_each_connection(pg_conn):
    found = {"acf_groq": ("groq", {"rotated_at": "2026-01-01"}), "acf_x": ("x", {})}
    ages = key_age.record(pg_conn, found, now=NOW)
    assert [(a.conn_id, a.overdue, a.dated_from) for a in ages] == [("acf_groq", True, "rotated_at"),
                                                                    ("acf_x", False, "unknown")]
    key_age.record(pg_conn, {"acf_x": ("x", {"rotated_at": "2026-12-01"})}, now=NOW)
    current = key_age.current(pg_conn, {}, NOW)
    assert [(a.conn_id, a.dated_from) for a in current] == [("acf_x", "rotated_at")]   # acf_groq: gone
    pg_conn.rollback()


def test_the_factory_connections_are_every_services_and_its_own():
    pairs = dict(key_age.factory_connections(settings.load()))
    assert pairs["acf_groq"] == "groq" and pairs["acf_youtube_upload"] == "youtube"
    assert "acf_backup" in pairs and "acf_postgres" in pairs and "acf_metrics_scrape" in pairs


def test_every_factory_connection_form_shows_rotated_at():
    from acf import provider_info

    types = provider_info.get_provider_info()["connection-types"]
    assert types and all(t["conn-fields"]["rotated_at"]["label"] == "Key rotated at" for t in types)
