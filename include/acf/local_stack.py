"""``make run`` / ``make stop`` / ``make demo``: the factory on one machine, embedded defaults.

Starts the embedded PostgreSQL (unless ACF_DATABASE_URL names a server), creates the
``airflow`` and ``acf`` databases, migrates both, then starts Airflow's components
(API server with UI, scheduler, DAG processor, triggerer) each in its own process
group with a pid file under ``.acf/run/``, so ``stop`` can end them and every child. Each component runs
under a small supervisor (``supervise``) that starts it again when it exits, as compose's
``restart: always`` does: Airflow's DAG processor and triggerer exit when PostgreSQL goes away for a
moment (a restart), and without it the factory would stay half down until the next ``make run``.

Run as ``python -m acf.local_stack {env,init,start,stop,status}``.
"""
from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from acf import pools
from acf.security import roles
from acf.settings import PROJECT_ROOT, load

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
FACTORY_DAGS = ("acf_trends", "acf_opportunities", "acf_production", "acf_publish", "acf_analytics", "acf_maintenance")
def api_port() -> int:
    return load().api_port


def _home() -> Path:
    return load().home


def database_urls() -> dict[str, str]:
    """psycopg DSNs for the factory database and Airflow's metadata database."""
    settings = load()
    configured = settings.database_url
    if configured:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(configured)
        airflow_db = settings.airflow_db
        _ensure_database(make_conninfo(**{**params, "dbname": "postgres"}), airflow_db)
        return {"acf": configured, "airflow": make_conninfo(**{**params, "dbname": airflow_db})}
    from acf import local_postgres

    server = local_postgres.start()
    return {name: local_postgres.ensure_database(server, name) for name in ("acf", "airflow")}


def _ensure_database(maintenance_dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _jwt_settings(rotate: bool = False) -> dict[str, str]:
    """RS256: the API server's key pair in ``.acf/jwt/`` (made on first use), as Airflow's settings."""
    from acf.security import jwt_keys

    return jwt_keys.airflow_settings(jwt_keys.ensure(_home() / "jwt", rotate=rotate))


FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"


def _local_secret(name: str) -> str:
    """A random secret kept in ``.acf/<name>`` (mode 0600), made on first use."""
    path = _home() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _backup_connection() -> str:
    """The ``acf_backup`` Connection: the backups' encryption key (``.acf/backup_key``), dated by its file."""
    key = _local_secret("backup_key")
    made = time.strftime("%Y-%m-%d", time.gmtime((_home() / "backup_key").stat().st_mtime))
    return json.dumps({"conn_type": "generic", "password": key, "extra": {"rotated_at": made}})


def _conn_json(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(dsn)
    return json.dumps({
        "conn_type": "postgres",
        "host": p.get("host", "localhost"),
        "port": int(p["port"]) if p.get("port") else None,
        "login": p.get("user", "postgres"),
        "password": p.get("password") or None,
        "schema": p.get("dbname"),
    })


def _sqlalchemy_url(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict
    from urllib.parse import quote

    p = conninfo_to_dict(dsn)
    user = quote(p.get("user", "postgres"))
    password = f":{quote(p['password'])}" if p.get("password") else ""
    host = p.get("host", "localhost")
    if host.startswith("/"):
        return f"postgresql+psycopg://{user}{password}@/{p['dbname']}?host={quote(host)}"
    port = f":{p['port']}" if p.get("port") else ""
    return f"postgresql+psycopg://{user}{password}@{host}{port}/{p['dbname']}"


SERVICE_USER = roles.SERVICE_USER


def _service_password(path: Path) -> str:
    """The service user's password in the passwords file (mode 0600), made on first use; `init`'s
    ``fab_roles`` then creates the user with the password it finds there."""
    passwords = json.loads(path.read_text() or "{}") if path.exists() else {}
    if SERVICE_USER not in passwords:
        passwords[SERVICE_USER] = secrets.token_urlsafe(18)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(passwords, fh)
    return passwords[SERVICE_USER]


def airflow_env() -> dict[str, str]:
    """The environment every Airflow process of the factory shares."""
    settings = load()
    home = settings.home
    urls = database_urls()
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = {
        "ACF_HOME": str(home),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(settings.parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(settings.parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        # FAB's RBAC: the factory's roles (acf/security/roles.yaml) are made by `init`, not at every start.
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        "AIRFLOW__FAB__UPDATE_FAB_PERMS": "False",
        "ACF_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
        "AIRFLOW__API__SECRET_KEY": _local_secret("api_secret_key"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{api_port()}/execution/",
        "AIRFLOW__API__PORT": str(api_port()),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{api_port()}",
        "AIRFLOW__API__WORKERS": "1",
        **_jwt_settings(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": _sqlalchemy_url(urls["airflow"]),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(settings.scheduler_health_port),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(settings.worker_log_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(settings.trigger_log_port),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW_CONN_ACF_POSTGRES": _conn_json(urls["acf"]),
        "AIRFLOW_CONN_ACF_BACKUP": _backup_connection(),
        # The service credential tasks use to save rotated OAuth tokens to their Connection through the REST API
        # (hooks.airflow_api): the Execution API cannot write Connections. Role Service in roles.yaml.
        "AIRFLOW_CONN_ACF_AIRFLOW_API": json.dumps({
            "conn_type": "http", "host": f"http://localhost:{api_port()}", "login": SERVICE_USER,
            "password": _service_password(airflow_home / "passwords.json")}),
        "ACF_DATABASE_DSN": urls["acf"],
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "include"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "NO_PROXY": "*",
    }
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env={**os.environ, **env}, check=True)


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def init(env: dict[str, str] | None = None) -> dict[str, str]:
    """Migrate both databases and create the pools (idempotent)."""
    from acf import db

    env = env or airflow_env()
    with db.connect(env["ACF_DATABASE_DSN"], autocommit=True) as conn:
        applied = db.migrate(conn)
    print(f"factory schema: applied migrations {applied or 'none (up to date)'}")
    migrate_airflow(env)
    # One CLI call for every pool (each `airflow` start costs seconds); import creates or updates.
    _run([_airflow(), "pools", "import", str(pools.write(_home() / "pools.json"))], env)
    return env


def migrate_airflow(env: dict[str, str]) -> None:
    """Airflow's ``db migrate`` (FAB's tables too: the auth manager's DB manager), then the factory's roles
    and one user per role (``acf/security/roles.yaml``; passwords generated into ``ACF_PASSWORDS_FILE``)."""
    _run([_airflow(), "db", "migrate"], env)
    _run([sys.executable, "-m", "acf_dashboard.fab_roles", env["ACF_PASSWORDS_FILE"]],
         {**env, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "plugins"), env["PYTHONPATH"]])})


def _pid_dir() -> Path:
    path = _home() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def start() -> None:
    env = init()
    logs = _home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for component in COMPONENTS:
        pid_file = _pid_dir() / f"{component}.pid"
        if pid_file.exists() and _alive(int(pid_file.read_text())):
            print(f"{component}: already running (pid {pid_file.read_text().strip()})")
            continue
        with open(logs / f"{component}.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "acf.local_stack", "supervise", component], env={**os.environ, **env},
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # own process group: stop ends the supervisor, the component, its children
            )
        pid_file.write_text(str(proc.pid))
        print(f"{component}: started (pid {proc.pid}, log {logs / (component + '.log')})")
    _wait_for_api()
    _wait_and_unpause(env)
    print()
    print(f"Airflow UI:  http://localhost:{api_port()}")
    declared = roles.load()
    for user, role in declared.users.items():
        print(f"Login:       {user} / {_admin_password(env, user)}   ({role}: {declared.roles[role].description})")
    print(f"Objects:     {load().object_store_url}")
    print("Stop with:   make stop")


def component_command(component: str) -> list[str]:
    """``airflow <component>``; the triggerer through ``triggers.warm``, which imports what its triggers' looks
    import before Airflow forks the trigger runner (else the runner grows by them at the first wait)."""
    if component == "triggerer":
        return [sys.executable, "-m", "triggers.warm"]
    return [_airflow(), component]


def component_env(component: str) -> dict[str, str]:
    """The supervisor's environment; the triggerer's command imports from the plugins folder before Airflow
    puts it on ``sys.path``."""
    if component != "triggerer":
        return dict(os.environ)
    path = os.pathsep.join([str(PROJECT_ROOT / "plugins"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path}


def supervise(component: str, command: list[str] | None = None, max_backoff: float = 30) -> int:
    """Run ``airflow <component>`` (or ``command``) and start it again each time it exits, until SIGTERM.

    Waits 1 s before the first restart, doubling up to ``max_backoff`` while the component keeps dying
    within a minute of its start. Each restart is a line in the component's log and one in
    ``run/<component>.restarts`` (its unix time). SIGTERM (``stop``, sent to the whole process group) ends the loop once
    the component has exited. Returns the number of restarts.
    """
    command = command or component_command(component)
    stopping = False
    child: subprocess.Popen | None = None

    def _stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)   # already sent to the group by stop(); a lone SIGTERM too

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    restarts, backoff = 0, 1.0
    counter = _pid_dir() / f"{component}.restarts"
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=component_env(component))
        code = child.wait()
        if stopping:
            return restarts
        backoff = 1.0 if time.monotonic() - started > 60 else min(max_backoff, backoff * 2)
        restarts += 1
        with counter.open("a") as times:
            times.write(f"{time.time():.0f}\n")
        print(f"[acf supervise] {component} exited with {code}; restart {restarts} in {backoff:.0f} s", flush=True)
        deadline = time.monotonic() + backoff
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.2)
        if stopping:
            return restarts


def _wait_for_api(timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://localhost:{api_port()}/api/v2/monitor/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(2)
    raise SystemExit(f"API server did not answer on port {api_port()}; see {_home() / 'logs' / 'api-server.log'}")


def _admin_password(env: dict[str, str], user: str = "admin") -> str:
    path = Path(env["ACF_PASSWORDS_FILE"])
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(1)
    return json.loads(path.read_text()).get(user, "?")


def api_token(env: dict[str, str], user: str = "admin") -> str:
    """A REST API token (``POST /auth/token``), as users get one."""
    body = json.dumps({"username": user, "password": _admin_password(env, user)}).encode()
    request = urllib.request.Request(f"http://localhost:{api_port()}/auth/token", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())["access_token"]


def _api(method: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://localhost:{api_port()}{path}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def _wait_and_unpause(env: dict[str, str], timeout: float = 240) -> None:
    """Unpause the factory DAGs (through the REST API) once the DAG processor has parsed them."""
    token = api_token(env)
    pending = set(FACTORY_DAGS)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        known = {d["dag_id"] for d in _api("GET", "/api/v2/dags?limit=100", token).get("dags", [])}
        for dag_id in sorted(pending & known):
            _api("PATCH", f"/api/v2/dags/{dag_id}", token, {"is_paused": False})
            pending.discard(dag_id)
        if pending:
            time.sleep(3)
    if pending:
        print(f"warning: not parsed in time, left paused: {', '.join(sorted(pending))}")


def stop(grace: float = 20) -> None:
    """SIGTERM every component's process group at once; SIGKILL what is left after ``grace`` seconds."""
    running: dict[Path, int] = {}
    for pid_file in sorted(_pid_dir().glob("*.pid")):
        pid = int(pid_file.read_text())
        try:
            os.killpg(pid, signal.SIGTERM)
            running[pid_file] = pid
        except ProcessLookupError:
            pid_file.unlink()
    deadline = time.monotonic() + grace
    while running and time.monotonic() < deadline:
        for pid_file, pid in list(running.items()):
            if not _group_alive(pid):
                pid_file.unlink()
                print(f"{pid_file.stem}: stopped")
                del running[pid_file]
        time.sleep(0.3)
    for pid_file, pid in running.items():
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
        pid_file.unlink()
        print(f"{pid_file.stem}: killed after {grace:.0f}s")
    if not load().database_url:
        from acf import local_postgres

        if local_postgres.stop():
            print("embedded PostgreSQL: stopped")


def _group_alive(pgid: int) -> bool:
    try:  # a leader started by this very process (tests) stays a zombie, "alive" to killpg, until reaped
        os.waitpid(pgid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def status() -> None:
    for component in COMPONENTS:
        pid_file = _pid_dir() / f"{component}.pid"
        state = "running" if pid_file.exists() and _alive(int(pid_file.read_text())) else "stopped"
        print(f"{component}: {state}")


def rotate_jwt() -> None:
    """A new RS256 key pair for the API server's tokens; the previous public key stays trusted for a day."""
    settings = _jwt_settings(rotate=True)
    print(f"new JWT signing key {settings['AIRFLOW__API_AUTH__JWT_KID']}; restart: make stop && make run")


def print_env() -> None:
    """Shell ``export`` lines, for running airflow commands by hand against the stack."""
    for key, value in airflow_env().items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    commands = {"env": print_env, "init": init, "start": start, "stop": stop, "status": status,
                "rotate-jwt": rotate_jwt}
    if len(sys.argv) == 3 and sys.argv[1] == "supervise" and sys.argv[2] in COMPONENTS:
        supervise(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: python -m acf.local_stack {{{','.join(commands)}}}")
    commands[sys.argv[1]]()
