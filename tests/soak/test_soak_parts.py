"""The soak's own parts that need no running stack (`make soak` runs the rest): the Prometheus config drawn from
ops/prometheus, the dashboard check, the kill targeting, the database growth rule."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from soak import checks, disrupt, monitor
from soak.__main__ import _table_growth

ROOT = Path(__file__).resolve().parents[2]


def test_prometheus_config_is_the_ops_one_with_target_and_token_file_filled_in(tmp_path):
    ops = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    config = monitor.prometheus_config("127.0.0.1:18080", tmp_path / "token")
    (job,) = config["scrape_configs"]
    ops_job = next(j for j in ops["scrape_configs"] if j["job_name"] == monitor.FACTORY_JOB)
    assert job["static_configs"] == [{"targets": ["127.0.0.1:18080"]}]
    assert job["authorization"] == {**ops_job["authorization"], "credentials_file": str(tmp_path / "token")}
    assert job["metrics_path"] == ops_job["metrics_path"] and config["global"] == ops["global"]


def test_dashboard_check_names_what_prometheus_does_not_hold():
    dashboard = json.loads((ROOT / "ops/grafana/dashboards/acf_factory.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    held = {n for n in exprs.replace("(", " ").replace(")", " ").replace("{", " ").split() if n.startswith("acf_")}
    sent = {"airflow_ti_failures", "airflow_scheduler_heartbeat"}
    assert checks.dashboard_findings(dashboard, held, sent) == []
    missing = checks.dashboard_findings(dashboard, held - {"acf_uploads"}, sent - {"airflow_ti_failures"})
    assert any("acf_uploads is not in Prometheus" in m for m in missing)
    assert any("airflow_ti_failures was never sent" in m for m in missing)


def test_kills_take_task_processes_not_the_executors_workers_and_prefer_the_risky_steps():
    assert disrupt.is_task_process("airflow worker -- 01a23ab2-b586-7fe9-b20c-3579f19eee84")
    assert not disrupt.is_task_process("airflow worker -- LocalExecutor: <idle>")
    assert not disrupt.is_task_process("airflow scheduler")
    assert disrupt._rank("acf_production.render", None) < disrupt._rank("acf_trends.fetch_raw", None)
    # the step killed last time waits its turn behind the others
    assert disrupt._rank("acf_production.render", "render") > disrupt._rank("acf_trends.fetch_raw", "render")


def test_database_growth_is_bloat_only_past_what_the_rows_explain():
    base = {"tables": {"trends": 1 << 20, "quota_spend": 1 << 20}, "data": {"trends": (10, 1000),
                                                                             "quota_spend": (5, 500)}}
    final = {"tables": {"trends": 3 << 20, "quota_spend": 40 << 20}, "data": {"trends": (5000, 600_000),
                                                                               "quota_spend": (5, 500)}}
    growth = _table_growth(base, final)
    assert not growth["trends"]["bloat"] and growth["trends"]["rows_added"] == 4990
    assert growth["quota_spend"]["bloat"]   # 39 MB more for no new row
