"""The dashboard inside the real Airflow UI: a running `airflow api-server` (the factory's own
configuration from acf.local_stack) lists "Content Factory" in its navigation, and its plugin page
shows the dashboard in a frame, signed in with the Airflow login. Headless Debian chromium."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .test_dashboard_browser import ARGS, CHROMIUM, SCREENSHOTS, playwright_api

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(pg_server_dsn, sample_media, tmp_path_factory):
    from acf import storage
    from acf.analytics import roi, sample

    suffix = uuid.uuid4().hex[:6]
    factory_db, airflow_db = f"acf_uinav_{suffix}", f"airflow_uinav_{suffix}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{factory_db}"')
    home = tmp_path_factory.mktemp("uinav-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({"ACF_HOME": str(home), "ACF_API_PORT": str(port), "ACF_AIRFLOW_DB": airflow_db,
                "ACF_DATABASE_URL": make_conninfo(**{**conninfo_to_dict(pg_server_dsn), "dbname": factory_db})})
    # The factory's Airflow configuration (what `make run` uses), both databases migrated.
    stack_env = json.loads(subprocess.run(
        [sys.executable, "-c", "import json; from acf import db, local_stack\n"
         "env = local_stack.airflow_env()\n"
         "with db.connect(env['ACF_DATABASE_DSN'], autocommit=True) as conn: db.migrate(conn)\n"
         "print(json.dumps(env))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    full_env = {**env, **stack_env}
    # Airflow's db migrate, then the factory's FAB roles and users (what `make run` does)
    subprocess.run([sys.executable, "-c", "import os; from acf import local_stack; local_stack.migrate_airflow(dict(os.environ))"],
                   cwd=ROOT, env=full_env, capture_output=True, check=True)
    with psycopg.connect(full_env["ACF_DATABASE_DSN"]) as conn:
        sample.seed(conn, storage.root_from_url((home / "objects").as_uri()), trends=6,
                    video=sample_media["video"], thumbnail=sample_media["thumbnail"])
        from datetime import date

        roi.rollup(conn, date.today())
    log = open(home / "api-server.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("airflow")), "api-server", "--port", str(port)],
                            env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((home / "api-server.log").read_text()[-3000:])
                time.sleep(1)
        passwords = json.loads(Path(full_env["ACF_PASSWORDS_FILE"]).read_text())
        request = urllib.request.Request(f"{base}/auth/token", method="POST",
                                         data=json.dumps({"username": "viewer", "password": passwords["viewer"]}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as resp:
            token = json.loads(resp.read())["access_token"]
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            for name in (factory_db, airflow_db):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_api_server_refuses_the_dashboard_without_a_login(api_server):
    base, _ = api_server
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/acf/api/trends", timeout=30)
    assert refused.value.code == 401


def test_content_factory_is_in_the_airflow_ui_and_shows_the_dashboard(api_server):
    base, token = api_server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.add_cookies([{"name": "_token", "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/")
        entry = page.locator('a[href$="plugin/content-factory"]').first
        entry.wait_for(timeout=60000)
        entry.click()
        page.wait_for_url("**/plugin/content-factory", timeout=30000)
        frame_element = page.locator("iframe").first
        frame_element.wait_for(timeout=30000)
        assert frame_element.get_attribute("src").endswith("/acf/trends")
        dashboard = page.frame_locator("iframe").first
        dashboard.locator("main h1").wait_for(timeout=30000)
        assert dashboard.locator("main h1").inner_text() == "Trends"
        assert dashboard.locator("svg.spark polyline").count() == 6
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "airflow-ui-content-factory.png"))
        browser.close()


def test_runs_and_approvals_are_read_from_airflows_own_database(api_server):
    """The live and review views query the API server's metadata database (nothing runs here: empty pages)."""
    base, token = api_server
    for path in ("/acf/api/live?per_page=5", "/acf/api/review?per_page=5"):
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as resp:
            page = json.loads(resp.read())
        assert (page["items"], page["total"], page["per_page"]) == ([], 0, 5), path
    request = urllib.request.Request(base + "/acf/review", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        assert "Nothing awaits approval." in resp.read().decode()
