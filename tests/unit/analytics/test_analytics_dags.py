"""acf_analytics and acf_maintenance through dag.test() on the real PostgreSQL, in a child process
with a throw-away home and databases (the way `make demo` runs the chain)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import os
from acf import db, demo, local_stack, storage
from acf.analytics import sample
from acf.settings import load

import subprocess, sys
from pathlib import Path

env = local_stack.airflow_env()  # the factory's Airflow configuration (what `make run` uses)
with db.connect(env["ACF_DATABASE_DSN"], autocommit=True) as conn:
    db.migrate(conn)
subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], env={**os.environ, **env},
               capture_output=True, check=True)
os.environ.update(env)
with db.connect(env["ACF_DATABASE_DSN"]) as conn:
    sample.seed(conn, storage.root_from_url(load().object_store_url), trends=5, video=b"v", thumbnail=b"t")
states = demo.run_chain(("acf_analytics", "acf_maintenance"))
print("STATES", states)
"""


def test_analytics_and_maintenance_dags_run(dag_test_env, tmp_path):
    env, factory_dsn = dag_test_env
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "STATES {'acf_analytics': 'success', 'acf_maintenance': 'success'}" in result.stdout, \
        result.stdout[-3000:]
    with psycopg.connect(factory_dsn) as conn:
        metrics = conn.execute("SELECT count(*), bool_and(simulated) FROM acf.metrics").fetchone()
        rollups = conn.execute("SELECT count(DISTINCT dimension) FROM acf.roi_rollups").fetchone()[0]
        backup = conn.execute("SELECT backup_key, row_counts FROM acf.backups").fetchall()
    assert metrics[0] > 0 and metrics[1] is True
    assert rollups == 4
    assert len(backup) == 1 and backup[0][1]["trends"] == 5
    assert (tmp_path / "home" / "objects" / backup[0][0]).stat().st_size > 0
