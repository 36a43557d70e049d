"""docker-compose.yaml: valid against the Compose specification, and production-shaped."""
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yaml"


def test_compose_file_validates_against_the_compose_spec():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_invalid_compose_file_is_refused(tmp_path):
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  web:\n    image: x\n    ports: 8080\n    restart: sometimes-maybe\n")
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode != 0


def test_stack_has_every_component_with_shared_secret_and_execution_api():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    for name in ("postgres", "minio", "redis", "airflow-apiserver", "airflow-scheduler",
                 "airflow-dag-processor", "airflow-triggerer", "airflow-worker"):
        assert name in services, name
    airflow_services = [s for n, s in services.items() if n.startswith("airflow-")]
    for service in airflow_services:
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert "AIRFLOW__API_AUTH__JWT_SECRET" not in env   # RS256 with a key pair, not a shared secret
        assert env["AIRFLOW__API_AUTH__JWT_ALGORITHM"] == "RS256"
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")
        assert "./include:/opt/airflow/include" in service["volumes"]
    assert services["airflow-worker"]["command"] == "celery worker"


def test_statsd_on_means_the_image_has_airflows_statsd_client():
    """Compose turns Airflow's StatsD metrics on for the dashboard's airflow_* panels; without the `statsd`
    package Airflow logs "Could not configure StatsClient" and sends nothing (found wiring the soak's StatsD
    listener, which records the names Airflow sends)."""
    env = yaml.safe_load(COMPOSE.read_text())["x-airflow-common"]["environment"]
    pinned = {line.split("==")[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    assert env["AIRFLOW__METRICS__STATSD_ON"] == "True"
    assert "statsd" in pinned


def test_the_jwt_private_key_is_a_secret_given_only_to_the_token_signers():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert "file" in spec["secrets"]["acf_jwt_private_key"]
    signers = {n for n, s in services.items() if "acf_jwt_private_key" in (s.get("secrets") or [])}
    assert signers == {"airflow-apiserver", "airflow-scheduler"}
    for name in signers:
        assert services[name]["environment"]["AIRFLOW__API_AUTH__JWT_PRIVATE_KEY_PATH"] == "/run/secrets/acf_jwt_private_key"
    for name, service in services.items():
        assert "JWT_PRIVATE_KEY_PATH" not in str(service.get("environment")) or name in signers, name


# postgres: its entrypoint starts as root to hand the data folder to the postgres user, then runs as it (gosu).


def test_containers_run_unprivileged_with_read_only_root_filesystems():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name, service in services.items():
        assert "no-new-privileges:true" in (service.get("security_opt") or []), name
        user = str(service.get("user", ""))
        if name != "postgres":
            assert user and not user.startswith(("0:", "root")) and user != "0", f"{name} runs as root"
        assert service.get("read_only") is True, f"{name}: root filesystem is writable"
