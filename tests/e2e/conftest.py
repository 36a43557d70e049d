"""A running factory (`make run`'s stack) for end-to-end tests, on a free port and a
throw-away home, against the test PostgreSQL server."""
from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Api:
    base: str
    env: dict

    def token(self, user: str = "admin") -> str:
        from acf import local_stack

        return local_stack.api_token(self.env, user)

    def call(self, method: str, path: str, body=None, token: str | None = None, user: str = "admin"):
        """(status, json) of one REST call; token=None means log in as ``user``; token="" means none."""
        headers = {"Content-Type": "application/json"}
        token = self.token(user) if token is None else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw or b"{}")
            except ValueError:
                return err.code, {"raw": raw.decode(errors="replace")}

    def wait_for_run(self, dag_id: str, run_id: str | None = None, timeout: float = 600) -> dict:
        """Poll until the run (or the newest run of the DAG) ends; return it."""
        deadline = time.monotonic() + timeout
        token = self.token()
        last = None
        while time.monotonic() < deadline:
            if run_id:
                status, run = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", token=token)
            else:
                status, runs = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=-run_after&limit=1",
                                         token=token)
                run = (runs.get("dag_runs") or [None])[0]
            if run and run.get("state") in ("success", "failed"):
                return run
            last = run
            time.sleep(3)
            token = self.token()
        states = ""
        if last:
            _, tis = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{last['dag_run_id']}/taskInstances?limit=100")
            states = ", ".join(f"{t['task_id']}[{t['map_index']}]={t['state']}" for t in tis.get("task_instances", []))
        raise AssertionError(f"{dag_id} run did not finish in {timeout}s; tasks: {states}; last seen: {last}")


@pytest.fixture(scope="module")
def factory_stack(pg_server_dsn, tmp_path_factory):
    """Start the API server, scheduler, DAG processor and triggerer; stop them after."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from acf import local_stack

    suffix = uuid.uuid4().hex[:6]
    params = conninfo_to_dict(pg_server_dsn)
    import psycopg

    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "acf_stack_{suffix}"')
    saved = dict(os.environ)
    os.environ.update({
        "ACF_HOME": str(tmp_path_factory.mktemp("stack-home")),
        "ACF_DATABASE_URL": make_conninfo(**{**params, "dbname": f"acf_stack_{suffix}"}),
        "ACF_AIRFLOW_DB": f"airflow_stack_{suffix}",
        "ACF_API_PORT": str(_free_port()),
        "ACF_WORKER_LOG_PORT": str(_free_port()),
        "ACF_TRIGGER_LOG_PORT": str(_free_port()),
        "ACF_SCHEDULER_HEALTH_PORT": str(_free_port()),
        # Fewer mapped fetches than the default six regions: each task is a process on 2 cores.
        "ACF_REGIONS": "US,GB",
        # Two sources of the four (the offline chain test runs the default four): the chain's work is the
        # point here, not the breadth of the fetch.
        "ACF_TREND_SOURCES": "youtube,reddit",
        # Shorter pieces than the default 30 s: the same steps, half the speech and render (the offline
        # chain test keeps the default).
        "ACF_TARGET_SECONDS": "15",
        # No scheduled runs on unpause: the tests trigger what they test.
        "ACF_TRENDS_SCHEDULE": "none",
        "ACF_ANALYTICS_SCHEDULE": "none",
        "ACF_MAINTENANCE_SCHEDULE": "none",
    })
    # The stack's processes must not inherit the test process's Airflow config.
    for key in [k for k in os.environ if k.startswith("AIRFLOW")]:
        del os.environ[key]
    try:
        local_stack.start()
        env = local_stack.airflow_env()
        yield Api(base=f"http://localhost:{local_stack.api_port()}", env=env)
    finally:
        local_stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            for name in (f"acf_stack_{suffix}", f"airflow_stack_{suffix}"):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
