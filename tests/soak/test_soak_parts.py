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


class _Billed:
    def __init__(self, billed):
        self._billed = billed

    def billed(self):
        return self._billed


def _ledger_row(conn, provider, *, modality="text", ok=True, in_flight=False, tokens=0, cost="0"):
    return conn.execute(
        "INSERT INTO acf.ai_calls (modality, provider, model, ok, in_flight, input_tokens, cost_usd)"
        " VALUES (%s, %s, 'm', %s, %s, %s, %s) RETURNING call_id::text", (modality, provider, ok, in_flight,
                                                                          tokens, cost)).fetchone()[0]


def test_cost_check_matches_text_calls_by_their_ledger_id_and_counts_media_within_the_in_flight_rows(pg_conn):
    from decimal import Decimal

    answered = _ledger_row(pg_conn, "anthropic", tokens=500, cost="0.000400")
    killed = _ledger_row(pg_conn, "anthropic", ok=False, in_flight=True)      # billed, its task died
    never_sent = _ledger_row(pg_conn, "anthropic", ok=False, in_flight=True)  # killed before it was sent
    wrong_cost = _ledger_row(pg_conn, "anthropic", tokens=500, cost="0.000100")
    unbilled = _ledger_row(pg_conn, "anthropic", tokens=500, cost="0.000400")
    for _ in range(2):
        _ledger_row(pg_conn, "elevenlabs", modality="voice")
    _ledger_row(pg_conn, "elevenlabs", modality="voice", ok=False, in_flight=True)
    pg_conn.commit()
    assert never_sent
    text = lambda cid, usd="0.000400": {"call_id": cid, "cost_usd": Decimal(usd)}  # noqa: E731
    voice = {"call_id": None, "cost_usd": Decimal("0")}
    services = _Billed({
        "anthropic": {"modality": "text", "calls": [text(answered), text(killed), text(wrong_cost), text("999999"),
                                                    text(None)]},
        "elevenlabs": {"modality": "voice", "calls": [voice] * 3},
    })
    mismatches, findings, table = checks.cost_findings(pg_conn, services)
    assert mismatches == 4, findings
    assert any(f"call {wrong_cost} billed $0.000400, the ledger says $0.000100" in f for f in findings)
    assert any("billed call 999999 is not in the ledger" in f for f in findings)
    assert any("billed call None is not in the ledger" in f for f in findings)
    assert any(f"answered call {unbilled} was never billed" in f for f in findings)
    assert table["anthropic"]["billed_in_flight"] == 1 and table["elevenlabs"]["billed_in_flight"] == 1

    services = _Billed({"elevenlabs": {"modality": "voice", "calls": [voice] * 4}})   # one more than the ledger
    assert checks.cost_findings(pg_conn, services)[0] == 1


def test_a_restarted_component_is_measured_from_its_own_fifth_minute():
    sampler = monitor.MemorySampler(pids={"triggerer": 1})
    mb = 2**20
    # fresh at 0, restarted at 600 s: small after the restart, then a step up as it warms up, then flat
    for t in range(0, 3600, 15):
        pss = 250 * mb if t < 600 else (200 * mb if t < 780 else 240 * mb)
        sampler.samples.append((float(t), {"triggerer": {"pss": pss, "rss": pss, "fds": 40}}))
    growth = sampler.growth(300, 3600, {"triggerer": [600.0]}, warmup=300)["triggerer"]
    assert growth["from_minute"] == 10.0 and growth["growth_pct"] == 0.0
    early = sampler.growth(300, 3600, {"triggerer": [600.0]}, warmup=120)["triggerer"]
    assert early["growth_pct"] > 10   # measured from before its warm-up's step, it looks like a leak
    timeline = sampler.timeline(0)["triggerer"]
    assert [p["minute"] for p in timeline[:3]] == [0.0, 5.0, 10.0] and timeline[-1] == {"minute": 55.0,
                                                                                        "pss_mb": 240.0, "fds": 40}


def test_the_soak_runs_on_past_its_minutes_until_the_faults_are_there_but_not_past_its_cap():
    from soak.__main__ import run_on_until
    from soak.setup import SoakConfig

    config = SoakConfig(minutes=20, home=Path("/tmp"), fault_rate=0.1, kill_seconds=150, trends_schedule="",
                        drain_minutes=12, seed=1, min_faults=1000, max_minutes=120)
    assert run_on_until(config, 0, 20 * 60, faults=1000) is None            # enough: stop at 20 minutes
    assert run_on_until(config, 0, 20 * 60, faults=250) == 25 * 60         # on, five minutes at a time
    assert run_on_until(config, 0, 118 * 60, faults=900) == 120 * 60        # never past the cap
    assert run_on_until(config, 0, 120 * 60, faults=900) is None
    plain = SoakConfig(**{**config.__dict__, "min_faults": 0})
    assert run_on_until(plain, 0, 20 * 60, faults=0) is None                # ACF_SOAK_MIN_FAULTS=0: 20 minutes
