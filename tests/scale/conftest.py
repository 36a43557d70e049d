"""The factory on the CeleryExecutor: redis-server on loopback as the broker, the Airflow
metadata database as the result backend, and one `airflow celery worker`.

The stack is `make run`'s (acf.local_stack: throw-away ACF_HOME, databases on the test
PostgreSQL server, a free API port) with the executor switched to Celery. Every process
is started in its own process group and the whole group is ended afterwards.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHAIN = ("acf_trends", "acf_opportunities", "acf_production", "acf_publish")
TERMINAL = ("success", "failed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        # Own session = own process group: killpg ends the command and every child it forked.
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM the process group, SIGKILL what is left after `grace` seconds; reap the leader."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        proc.poll()
        if not _group_alive(proc.pid):
            break
        time.sleep(0.5)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _redis_server_binary() -> str:
    """redis-server from PATH, installed with apt-get when missing; skip when that cannot be done."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("redis-server is not installed and cannot be (apt-get as root needed): "
                    "apt-get install -y redis-server")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"]
    result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:  # stale or missing package lists: refresh once and retry
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
    found = shutil.which("redis-server") or (os.path.exists("/usr/bin/redis-server") and "/usr/bin/redis-server")
    if result.returncode != 0 or not found:
        pytest.skip(f"redis-server could not be installed with apt-get: {(result.stderr or result.stdout)[-500:]}")
    return found


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A private redis-server on 127.0.0.1, no persistence, data in a temp dir; stopped after."""
    import redis

    binary = _redis_server_binary()
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = _start([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir),
                   "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
                   "--logfile", ""], dict(os.environ), workdir / "redis.log")
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {(workdir / 'redis.log').read_text()[-2000:]}")
                time.sleep(0.2)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc, grace=10)


@dataclass
class CeleryStack:
    base: str
    env: dict
    logs: Path
    airflow_dsn: str  # Airflow's metadata database, also Celery's result backend
    procs: dict = field(default_factory=dict)

    def token(self) -> str:
        from acf import local_stack

        return local_stack.api_token(self.env)

    def call(self, method: str, path: str, body=None):
        """(status, json) of one authenticated REST call."""
        request = urllib.request.Request(
            self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                raw = resp.read()
                try:
                    return resp.status, json.loads(raw or b"{}")
                except ValueError:
                    return resp.status, {"raw": raw.decode(errors="replace")}
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw or b"{}")
            except ValueError:
                return err.code, {"raw": raw.decode(errors="replace")}

    def runs(self, dag_id: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=-run_after&limit=20")
        assert status == 200, body
        return body["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        status, body = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")
        assert status == 200, body
        return body["task_instances"]

    def task_log(self, dag_id: str, run_id: str, ti: dict, tail: int = 3000) -> str:
        """The end of one task instance's log (for failure reports)."""
        path = (f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/"
                f"{max(ti.get('try_number') or 1, 1)}?map_index={ti.get('map_index', -1)}")
        status, body = self.call("GET", path)
        content = body.get("content", body)
        if isinstance(content, list):
            content = "\n".join(c.get("event", str(c)) if isinstance(c, dict) else str(c) for c in content)
        return f"[{status}] {str(content)[-tail:]}"

    def failure_report(self, dag_id: str, run: dict) -> str:
        lines = [f"{dag_id} run {run['dag_run_id']} ended {run['state']}"]
        for ti in self.task_instances(dag_id, run["dag_run_id"]):
            if ti["state"] in ("failed", "upstream_failed", "up_for_retry"):
                lines.append(f"--- task {ti['task_id']}[{ti.get('map_index')}] {ti['state']}")
                if ti["state"] != "upstream_failed":
                    lines.append(self.task_log(dag_id, run["dag_run_id"], ti))
        return "\n".join(lines)

    def component_log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_for_api(stack: CeleryStack, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(stack.base + "/api/v2/monitor/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}): {stack.component_log(name)[-3000:]}")
        time.sleep(2)
    raise RuntimeError(f"API server did not answer: {stack.component_log('api-server')[-3000:]}")


def _wait_for_worker(stack: CeleryStack, deadline: float) -> None:
    """The worker logs 'ready.' once it consumes from the broker."""
    while time.monotonic() < deadline:
        if " ready." in stack.component_log("celery-worker"):
            return
        proc = stack.procs["celery-worker"]
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited ({proc.returncode}): {stack.component_log('celery-worker')[-3000:]}")
        time.sleep(1)
    raise RuntimeError(f"celery worker not ready: {stack.component_log('celery-worker')[-3000:]}")


def _unpause(stack: CeleryStack, dag_ids, deadline: float) -> None:
    """Unpause through the REST API once the DAG processor has parsed each DAG."""
    pending = set(dag_ids)
    while pending and time.monotonic() < deadline:
        status, body = stack.call("GET", "/api/v2/dags?dag_id_pattern=acf_&limit=100")
        assert status == 200, body
        for dag_id in sorted(pending & {d["dag_id"] for d in body["dags"]}):
            status, patched = stack.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
            assert status == 200 and patched["is_paused"] is False, patched
            pending.discard(dag_id)
        if pending:
            time.sleep(3)
    if pending:
        raise RuntimeError(f"not parsed in time: {sorted(pending)}; {stack.component_log('dag-processor')[-3000:]}")


@pytest.fixture(scope="module")
def celery_stack(pg_server_dsn, redis_url, tmp_path_factory):
    """API server, scheduler, DAG processor and a Celery worker (concurrency 2) on CeleryExecutor."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from acf import local_stack

    suffix = uuid.uuid4().hex[:6]
    factory_db, airflow_db = f"acf_celery_{suffix}", f"airflow_celery_{suffix}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{factory_db}"')
    home = tmp_path_factory.mktemp("celery-home")
    logs = home / "logs"
    logs.mkdir()
    saved = dict(os.environ)
    stack = None
    try:
        os.environ.update({
            "ACF_HOME": str(home),
            "ACF_DATABASE_URL": make_conninfo(**{**conninfo_to_dict(pg_server_dsn), "dbname": factory_db}),
            "ACF_AIRFLOW_DB": airflow_db,
            "ACF_API_PORT": str(_free_port()),
            "ACF_WORKER_LOG_PORT": str(_free_port()),
            "ACF_TRIGGER_LOG_PORT": str(_free_port()),
            "ACF_SCHEDULER_HEALTH_PORT": str(_free_port()),
        })
        # The stack's processes must not inherit the test process's Airflow config.
        for key in [k for k in os.environ if k.startswith("AIRFLOW")]:
            del os.environ[key]
        env = local_stack.airflow_env()
        env.update({
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": redis_url,
            # Results in Airflow's own metadata database (celery_taskmeta), as docker-compose does.
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
            # Workers serve their task logs to the API server; not on the default 8793 another stack may hold.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
            # Only the triggered run: with catchup off, unpausing a cron DAG starts a run for the latest
            # past slot at once.
            "ACF_TRENDS_SCHEDULE": "none",
            # Two regions...
            "ACF_REGIONS": "US,GB",
            # ...and two sources: 4 mapped fetches still fan out over the worker's 2 slots.
            "ACF_TREND_SOURCES": "youtube,reddit",
            # Shorter pieces than the default 30 s: the same steps, half the speech and render (the offline
            # chain test keeps the default).
            "ACF_TARGET_SECONDS": "15",
        })
        local_stack.init(env)
        proc_env = {**os.environ, **env}
        stack = CeleryStack(base=f"http://localhost:{env['AIRFLOW__API__PORT']}", env=env, logs=logs,
                            airflow_dsn=make_conninfo(**{**conninfo_to_dict(pg_server_dsn), "dbname": airflow_db}))
        airflow = str(Path(sys.executable).with_name("airflow"))
        commands = {
            "api-server": [airflow, "api-server"],
            "scheduler": [airflow, "scheduler"],
            "dag-processor": [airflow, "dag-processor"],
            "celery-worker": [airflow, "celery", "worker", "--concurrency", "2",
                              "--celery-hostname", f"acf-scale-{suffix}@%h", "--without-mingle", "--without-gossip"],
        }
        for name, cmd in commands.items():
            stack.procs[name] = _start(cmd, proc_env, logs / f"{name}.log")
        deadline = time.monotonic() + 300
        _wait_for_api(stack, deadline)
        _wait_for_worker(stack, deadline)
        _unpause(stack, CHAIN, deadline)
        yield stack
    finally:
        if stack is not None:
            for name in reversed(list(stack.procs)):
                _stop(stack.procs[name])
            left = [name for name, proc in stack.procs.items() if _group_alive(proc.pid)]
            assert not left, f"processes left behind: {left}"
        os.environ.clear()
        os.environ.update(saved)
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            for name in (factory_db, airflow_db):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
