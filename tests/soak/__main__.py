"""``make soak``: run the factory under faults for ACF_SOAK_MINUTES, check it, print one line.

Last line: ``soak_minutes=<m> dag_runs=<n> tasks=<n> faults_injected=<n> kills=<n> crashes=<n> duplicates=<n>
lost=<n> cost_mismatch=<n> metrics_mismatch=<n> rss_growth_pct=<p> db_mb_per_run=<x>``; the details behind
every figure are in ``$ACF_SOAK_HOME/report.json``.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
import traceback
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import psutil

from soak import checks, disrupt, monitor, setup
from soak.services import Services


def log(message: str) -> None:
    print(f"[soak {datetime.now():%H:%M:%S}] {message}", flush=True)


def run_on_until(config, t0: float, now: float, faults: int) -> float | None:
    """Past its minutes, the soak runs on until ``config.min_faults`` faults were injected, five minutes at a
    time (kills and all), never past ``config.max_minutes``: the new end, or None to stop now."""
    hard_end = t0 + max(config.minutes, config.max_minutes) * 60
    if faults >= config.min_faults or now >= hard_end:
        return None
    return min(hard_end, now + 300)


class Soak:
    def __init__(self, config: setup.SoakConfig) -> None:
        self.config = config
        self.report: dict = {"config": {k: str(v) for k, v in vars(config).items()}, "findings": {}}
        self.services = Services()
        self.statsd: monitor.StatsdNames | None = None
        self.prometheus: monitor.Prometheus | None = None
        self.memory: monitor.MemorySampler | None = None
        self.killer: disrupt.Killer | None = None
        self.crashes: list[str] = []
        self.stack_started = False
        self.left_queued: list[str] = []

    # ------------------------------------------------------------------------- setup
    def start(self) -> None:
        home = self.config.home
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        self.services.start(self.config.fault_rate, self.config.seed)
        self.statsd = _statsd_listener()
        self.token = secrets.token_urlsafe(24)
        env = setup.stack_env(self.config, self.services.connections(self.token),
                              f"s3://{self.services.s3_bucket}/factory", self.statsd.port if self.statsd else None)
        for key in [k for k in os.environ if k.startswith(("AIRFLOW", "ACF_"))
                    and not k.startswith("ACF_SOAK_")]:
            del os.environ[key]
        os.environ.update(env)
        from acf import local_stack

        self.local_stack = local_stack
        log(f"starting the stack in {home} (API port {env['ACF_API_PORT']})")
        self.stack_started = True
        local_stack.start()
        self.stack_env = local_stack.airflow_env()
        self.base = f"http://localhost:{local_stack.api_port()}"
        self.pids = {p.stem: int(p.read_text()) for p in (home / "run").glob("*.pid")}
        self.prometheus = monitor.Prometheus(home / "prometheus", f"127.0.0.1:{local_stack.api_port()}",
                                             self.token).start()
        log(f"prometheus on 127.0.0.1:{self.prometheus.port}; components {self.pids}")
        self.memory = monitor.MemorySampler(self.pids).start()
        urls = local_stack.database_urls()
        self.acf_dsn, self.airflow_dsn = urls["acf"], urls["airflow"]
        self.killer = disrupt.Killer(self.pids["scheduler"], self._describe_tis)

    # ------------------------------------------------------------------------- the run
    def run(self) -> None:
        import psycopg

        config = self.config
        self.t0 = time.time()
        end = self.t0 + config.minutes * 60
        baseline_at = self.t0 + config.baseline_minute * 60
        restart_at = self.t0 + config.postgres_restart_minute * 60
        next_kill = self.t0 + config.kill_seconds
        next_note = self.t0 + 60
        self.restarted = None
        self.baseline = None
        while True:
            now = time.time()
            if now >= end:
                faults = sum(self.services.faults_injected().values())
                end = run_on_until(config, self.t0, now, faults)
                if end is None:
                    break
                log(f"{faults} faults injected of {config.min_faults}: running on to"
                    f" {(end - self.t0) / 60:.0f} min (at most {max(config.minutes, config.max_minutes):.0f})")
            self.services.trim()
            self._check_components()
            if self.baseline is None and now >= baseline_at:
                self.baseline = {"at": now, **self._db_state()}
                log(f"baseline: acf {self.baseline['acf_mb']:.1f} MB, airflow {self.baseline['airflow_mb']:.1f} MB")
            if self.restarted is None and now >= restart_at:
                log("restarting PostgreSQL")
                self.restarted = disrupt.restart_postgres(config.home / "pg")
                log(f"PostgreSQL back after {self.restarted['down_seconds']} s")
            if now >= next_kill and now < end - 60:
                killed = self.killer.kill_one(patience=min(90, end - now - 30))
                log(f"SIGKILL {killed['task'] if killed else 'nothing (no task ran)'}")
                next_kill = time.time() + config.kill_seconds
            if now >= next_note:
                faults = sum(self.services.faults_injected().values())
                with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                    runs = conn.execute("SELECT state, count(*) FROM dag_run GROUP BY 1").fetchall()
                log(f"{(now - self.t0) / 60:.0f} min: faults {faults}, kills {len(self.killer.kills)}, runs {dict(runs)}")
                next_note = now + 60
            time.sleep(2)
        self.t_end = time.time()

    def _describe_tis(self, ti_ids: list[str]) -> dict[str, str]:
        import psycopg

        try:
            with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                rows = conn.execute("SELECT id::text, dag_id || '.' || task_id FROM task_instance WHERE id::text = ANY(%s)",
                                    (ti_ids,)).fetchall()
        except psycopg.OperationalError:
            return {}
        return dict(rows)

    def _check_components(self) -> None:
        for name, pid in self.pids.items():
            if not disrupt.alive(pid) and not any(name in c for c in self.crashes):
                self.crashes.append(f"{name} (pid {pid}) died at {(time.time() - self.t0) / 60:.1f} min")
                log(f"CRASH: {self.crashes[-1]}")

    def _unexplained_restarts(self) -> list[str]:
        """Component restarts by the stack's supervisor other than one each in the minute after the
        PostgreSQL restart (Airflow's DAG processor and triggerer exit when their database goes away)."""
        out = []
        window = (self.restarted["at"], self.restarted["at"] + 90) if self.restarted else (0, 0)
        for path in (self.config.home / "run").glob("*.restarts"):
            times = [float(t) for t in path.read_text().split()]
            self.report.setdefault("component_restarts", {})[path.stem] = len(times)
            explained = [t for t in times if window[0] <= t <= window[1]][:1]
            out += [f"{path.stem} restarted at {(t - self.t0) / 60:.1f} min" for t in times if t not in explained]
        return out

    def _db_state(self) -> dict:
        import psycopg

        for attempt in range(10):
            try:
                with psycopg.connect(self.acf_dsn, connect_timeout=5) as conn:
                    sizes = conn.execute("SELECT pg_database_size('acf'), pg_database_size('airflow')").fetchone()
                    tables = dict(conn.execute(
                        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace WHERE n.nspname = 'acf' AND c.relkind = 'r'").fetchall())
                    data = {}
                    for table in tables:
                        data[table] = conn.execute(
                            f'SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0) FROM acf."{table}" t').fetchone()
                with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                    runs = conn.execute("SELECT count(*) FROM dag_run").fetchone()[0]
                return {"acf_mb": sizes[0] / 2**20, "airflow_mb": sizes[1] / 2**20, "runs": runs,
                        "tables": tables, "data": data}
            except psycopg.OperationalError:
                time.sleep(3)
        raise RuntimeError("the factory database did not answer")

    # ------------------------------------------------------------------------- the drain
    def _api(self, method: str, path: str, body: dict | None = None) -> dict:
        token = self.local_stack.api_token(self.stack_env, setup.USER)
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"{}")

    def _pause_between_runs(self, dag_id: str, limit: float) -> None:
        """Pause ``dag_id`` when none of its runs is in flight: Airflow schedules no task of a paused DAG's
        run, so a run paused half way would never end. A run queued in the meantime (an overdue interval)
        stays queued and never starts (the REST API refuses to delete a queued run, 409): it did nothing,
        and the drain does not wait for it."""
        import psycopg

        deadline = time.time() + limit
        while time.time() < deadline:
            with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                active = conn.execute("SELECT run_id, state FROM dag_run WHERE dag_id = %s AND state IN"
                                      " ('queued', 'running')", (dag_id,)).fetchall()
            if not active or all(state == "queued" for _, state in active):
                self._api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": True})
                with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                    active = conn.execute("SELECT run_id, state FROM dag_run WHERE dag_id = %s AND state IN"
                                          " ('queued', 'running')", (dag_id,)).fetchall()
                if all(state == "queued" for _, state in active):
                    self.left_queued += [run_id for run_id, _ in active]
                    self.report["queued_runs_left"] = self.left_queued
                    return
                self._api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})   # one started: let it end
            time.sleep(1)
        self._api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": True})

    def drain(self) -> None:
        """Stop the schedules between runs; wait (bounded) until no run is queued or running and none has
        started for a while."""
        import psycopg

        self.left_queued: list[str] = []
        for dag_id in ("acf_trends", "acf_maintenance"):
            self._pause_between_runs(dag_id, self.config.drain_minutes * 60 / 2)
        log("trends paused; draining the runs in flight")
        deadline = time.time() + self.config.drain_minutes * 60
        quiet_since = None
        while time.time() < deadline:
            self._check_components()
            with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
                busy = conn.execute("SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')"
                                    " AND NOT run_id = ANY(%s)", (self.left_queued,)).fetchone()[0]
                queued_assets = conn.execute("SELECT count(*) FROM asset_dag_run_queue").fetchone()[0]
            if busy or queued_assets:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.time()
            elif time.time() - quiet_since > 45:
                break
            time.sleep(5)
        self.drained = time.time()
        with psycopg.connect(self.airflow_dsn, connect_timeout=5) as conn:
            busy = conn.execute("SELECT dag_id, run_id, state FROM dag_run WHERE state IN ('queued', 'running')"
                                " AND NOT run_id = ANY(%s)", (self.left_queued,)).fetchall()
        self.report["not_drained"] = [list(map(str, r)) for r in busy]
        log(f"drained in {(self.drained - self.t_end) / 60:.1f} min; still busy: {busy}")

    # ------------------------------------------------------------------------- the checks
    def check(self) -> dict:
        """Every check in turn; one that breaks is reported (report.json ``check_errors``, its figure "error")
        and the others still run."""
        import psycopg

        config = self.config
        self.figures: dict = {"soak_minutes": round((self.t_end - self.t0) / 60, 1)}
        self.final = self._db_state()
        self.snapshot_at = time.time()
        with psycopg.connect(self.acf_dsn) as acf, psycopg.connect(self.airflow_dsn) as airflow:
            for section in (self._check_runs, self._check_crashes, self._check_items, self._check_cost,
                            self._check_metrics):
                try:
                    section(acf, airflow)
                except Exception:  # noqa: BLE001 - reported, the other checks go on
                    self.report.setdefault("check_errors", []).append(traceback.format_exc())
                    acf.rollback()
                    airflow.rollback()
        for section in (self._check_memory, self._check_database):
            try:
                section()
            except Exception:  # noqa: BLE001
                self.report.setdefault("check_errors", []).append(traceback.format_exc())
        return self.figures

    def _check_runs(self, acf, airflow) -> None:
        counts = checks.run_counts(airflow, datetime.fromtimestamp(self.t0, timezone.utc))
        self.figures["dag_runs"], self.figures["tasks"] = counts["dag_runs"], counts["tasks"]
        self.report["runs"] = counts
        self.figures["faults_injected"] = sum(self.services.faults_injected().values())
        self.report["faults_by_service"] = self.services.faults_injected()
        self.report["requests_by_service"] = self.services.requests_seen()
        self.figures["kills"] = len(self.killer.kills)
        self.report["kills"] = self.killer.kills
        self.report["postgres_restart"] = self.restarted

    def _check_crashes(self, acf, airflow) -> None:
        failed = checks.failed_tries(self.config.home / "airflow" / "logs")
        self.report["failed_tries"] = dict(failed)
        bugs = {k: v for k, v in failed.items() if k.split(":", 1)[1].rsplit(".", 1)[-1] in checks.BUG_TYPES}
        restarts = self._unexplained_restarts()
        self.report["findings"]["crashes"] = self.crashes + restarts + [f"{k} x{v}" for k, v in bugs.items()]
        self.figures["crashes"] = len(self.crashes) + len(restarts) + sum(bugs.values())

    def _check_items(self, acf, airflow) -> None:
        import boto3

        t_dup, t_lost, t_find = checks.trend_findings(acf, airflow)
        s3 = boto3.client("s3", endpoint_url=self.services.moto_url, aws_access_key_id="soak",
                          aws_secret_access_key="soak-secret", region_name="us-east-1")
        c_dup, c_lost, c_find, c_counts = checks.content_findings(acf, self.services, s3, self.services.s3_bucket,
                                                                  "factory/")
        self.report["findings"]["duplicates_and_lost"] = t_find + c_find
        self.figures["duplicates"] = t_dup + c_dup
        self.figures["lost"] = t_lost + c_lost
        self.report["content"] = c_counts
        self.report["protocol_errors"] = self.services.protocol_errors()[:50]

    def _check_cost(self, acf, airflow) -> None:
        mismatch, cost_find, table = checks.cost_findings(acf, self.services)
        self.figures["cost_mismatch"] = mismatch
        self.report["findings"]["cost"] = cost_find
        self.report["cost_table"] = table

    def _check_metrics(self, acf, airflow) -> None:
        target = self.prometheus.wait_for_scrape_after(self.snapshot_at)
        self.report["prometheus_target"] = {k: target.get(k) for k in ("health", "lastScrape", "lastError")}
        m_mismatch, m_find, compared = checks.metric_findings(acf, self.prometheus)
        self.figures["metrics_mismatch"] = m_mismatch
        self.report["findings"]["metrics"] = m_find
        self.report["metric_series_compared"] = compared
        dashboard = json.loads((setup.ROOT / "ops/grafana/dashboards/acf_factory.json").read_text())
        statsd_names = self.statsd.prometheus_names() if self.statsd else None
        self.report["findings"]["dashboard"] = checks.dashboard_findings(dashboard, self.prometheus.names(),
                                                                         statsd_names)
        self.report["statsd_names"] = sorted(statsd_names or [])[:400]

    def _check_memory(self) -> None:
        restarts = {p.stem: [float(t) for t in p.read_text().split()]
                    for p in (self.config.home / "run").glob("*.restarts")}
        growth = self.memory.growth(self.t0 + self.config.baseline_minute * 60, self.t_end, restarts,
                                    warmup=self.config.baseline_minute * 60)
        self.report["memory"] = growth
        self.report["memory_timeline"] = self.memory.timeline(self.t0)
        self.figures["rss_growth_pct"] = max((g["growth_pct"] for g in growth.values()), default=float("nan"))

    def _check_database(self) -> None:
        final = self.final
        base = self.baseline or {"acf_mb": final["acf_mb"], "runs": final["runs"], "tables": {}, "data": {}}
        runs = max(1, final["runs"] - base["runs"])
        self.figures["db_mb_per_run"] = round((final["acf_mb"] - base["acf_mb"]) / runs, 3)
        self.report["database"] = {"acf_mb": [round(base["acf_mb"], 1), round(final["acf_mb"], 1)],
                                   "airflow_mb": [round(base.get("airflow_mb", 0), 1), round(final["airflow_mb"], 1)],
                                   "runs_between": runs, "tables": _table_growth(base, final)}
        self.report["findings"]["database"] = [f"acf.{t}: grew {g['grew_kb']} kB for {g['data_kb']} kB of rows"
                                               for t, g in self.report["database"]["tables"].items() if g["bloat"]]

    # ------------------------------------------------------------------------- cleanup
    def stop(self) -> list[str]:
        for part in (self.memory, self.prometheus):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001 - cleanup goes on
                    traceback.print_exc()
        if self.stack_started:
            try:
                self.local_stack.stop()
            except Exception:  # noqa: BLE001
                traceback.print_exc()
        self.services.stop()
        if self.statsd:
            self.statsd.stop()
        return _leftovers(self.config.home)


def _statsd_listener() -> monitor.StatsdNames | None:
    try:
        import statsd  # noqa: F401 - Airflow's StatsD client; without it Airflow sends nothing
    except ImportError:
        return None
    return monitor.StatsdNames()


def _table_growth(base: dict, final: dict) -> dict:
    """Per factory table: how much it grew on disk against the bytes of the rows it gained."""
    out = {}
    for table, size in final["tables"].items():
        before = base["tables"].get(table, 0)
        rows_before, data_before = base["data"].get(table, (0, 0))
        rows_after, data_after = final["data"][table]
        grew, data = size - before, max(0, data_after - data_before)
        # Indexes and page overhead make a table 2-4x its rows' bytes; more than that per byte added, on
        # more than a megabyte, is growth the data does not explain (dead rows, a table rewritten per run).
        bloat = grew > 2**20 and grew > 6 * max(data, 1)
        out[table] = {"grew_kb": grew // 1024, "data_kb": data // 1024, "rows_added": rows_after - rows_before,
                      "bloat": bloat}
    return out


def _leftovers(home: Path) -> list[str]:
    """Processes still running that this soak started (their environment names its home); ended here."""
    found = []
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == me:
            continue
        try:
            environ = proc.environ()
            cmdline = " ".join(proc.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if environ.get("ACF_HOME") == str(home) or str(home) in cmdline:
            found.append(f"{proc.pid} {cmdline[:120]}")
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
    return found


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    import signal

    signal.signal(signal.SIGTERM, _interrupt)   # a stopped soak still cleans up what it started
    signal.signal(signal.SIGINT, _interrupt)
    config = setup.load()
    soak = Soak(config)
    figures: dict = {}
    failed = None
    try:
        soak.start()
        soak.run()
        try:
            soak.drain()
        except Exception:  # noqa: BLE001 - the checks still run (and say what did not end)
            soak.report.setdefault("check_errors", []).append(traceback.format_exc())
            soak.drained = time.time()
        figures = soak.check()
    except BaseException as exc:  # noqa: BLE001 - cleanup first, then report
        failed = exc
        traceback.print_exc()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)   # a second signal must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        leftovers = soak.stop()
    soak.report["leftover_processes"] = leftovers
    soak.report["figures"] = figures
    (config.home / "report.json").write_text(json.dumps(soak.report, indent=2, default=str))
    for kind, lines in soak.report["findings"].items():
        for line in lines[:30]:
            print(f"  {kind}: {line}")
    log(f"report: {config.home / 'report.json'}; leftover processes: {len(leftovers)}")
    if failed is not None or not figures:
        print(f"soak failed: {failed!r}")
        return 1
    keys = ("soak_minutes", "dag_runs", "tasks", "faults_injected", "kills", "crashes", "duplicates", "lost",
            "cost_mismatch", "metrics_mismatch", "rss_growth_pct", "db_mb_per_run")
    print(" ".join(f"{k}={figures.get(k, 'error')}" for k in keys), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
