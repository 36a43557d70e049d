"""The one place the soak is set up: its settings, the stack's environment, the user it logs in as.

Settings (environment variables, read by :func:`load`):

| variable | default | meaning |
|---|---|---|
| ``ACF_SOAK_MINUTES`` | 20 | how long the factory runs under load, at least (then the drain and the checks) |
| ``ACF_SOAK_MIN_FAULTS`` | 1000 | past those minutes, it runs on until this many faults were injected (0: no more) |
| ``ACF_SOAK_MAX_MINUTES`` | 120 | ... but never longer than this |
| ``ACF_SOAK_HOME`` | ``.acf/soak`` | the soak's ACF_HOME (embedded PostgreSQL, logs, Prometheus data); emptied at the start |
| ``ACF_SOAK_FAULT_RATE`` | 0.10 | share of calls faulted at every stand-in and at S3 |
| ``ACF_SOAK_KILL_SECONDS`` | 150 | a running task process is SIGKILLed this often |
| ``ACF_SOAK_TRENDS_SCHEDULE`` | ``*/2 * * * *`` | ``acf_trends``' schedule during the soak (the Asset chain follows it) |
| ``ACF_SOAK_DRAIN_MINUTES`` | 12 | at most this long for the runs in flight to end once trends are paused |
| ``ACF_SOAK_SEED`` | 21 | seeds the fault plans |
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The user the soak logs in as (REST API: unpause, pause, runs and task instances).
USER = "admin"


@dataclass(frozen=True)
class SoakConfig:
    minutes: float
    home: Path
    fault_rate: float
    kill_seconds: float
    trends_schedule: str
    drain_minutes: float
    seed: int
    min_faults: int = 0
    max_minutes: float = 0.0

    @property
    def baseline_minute(self) -> float:
        """When memory and database size are first measured: the 5th minute (earlier in a short soak)."""
        return min(5.0, self.minutes / 4)

    @property
    def postgres_restart_minute(self) -> float:
        return self.minutes / 2


def load() -> SoakConfig:
    env = os.environ
    return SoakConfig(
        minutes=float(env.get("ACF_SOAK_MINUTES", "20")),
        home=Path(env.get("ACF_SOAK_HOME", ROOT / ".acf" / "soak")).resolve(),
        fault_rate=float(env.get("ACF_SOAK_FAULT_RATE", "0.10")),
        kill_seconds=float(env.get("ACF_SOAK_KILL_SECONDS", "150")),
        trends_schedule=env.get("ACF_SOAK_TRENDS_SCHEDULE", "*/2 * * * *"),
        drain_minutes=float(env.get("ACF_SOAK_DRAIN_MINUTES", "12")),
        seed=int(env.get("ACF_SOAK_SEED", "21")),
        # At 10% the factory injects ~12 faults a minute on 2 cores (each task is a process costing seconds of
        # CPU): 20 minutes give ~250; the thousand the soak is judged by take ~90 on such a machine.
        min_faults=int(env.get("ACF_SOAK_MIN_FAULTS", "1000")),
        max_minutes=float(env.get("ACF_SOAK_MAX_MINUTES", "120")),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_env(config: SoakConfig, connections: dict[str, str], object_store: str, statsd_port: int | None) -> dict:
    """What the soak sets before ``acf.local_stack.start()``: its own home and free ports, compressed
    schedules, the premium tier (every modality through a paid provider's client), the object store on S3,
    every Connection pointing at a stand-in."""
    env = {
        "ACF_HOME": str(config.home),
        "ACF_API_PORT": str(free_port()),
        "ACF_WORKER_LOG_PORT": str(free_port()),
        "ACF_TRIGGER_LOG_PORT": str(free_port()),
        "ACF_SCHEDULER_HEALTH_PORT": str(free_port()),
        "ACF_TRENDS_SCHEDULE": config.trends_schedule,
        "ACF_ANALYTICS_SCHEDULE": "none",
        # one backup (pg_dump to S3, restore check) in the middle of a 20-minute soak
        "ACF_MAINTENANCE_SCHEDULE": "*/10 * * * *",
        "ACF_TRENDS_MODE": "live",      # every source through its hook and stand-in, never the bundled sample
        "ACF_TIER": "premium",
        "ACF_TARGET_SECONDS": "15",
        # angles for the top 10 opportunities of each run (default 3): more model calls in the same one task
        "ACF_TOP_OPPORTUNITIES": "10",
        "ACF_OBJECT_STORE": object_store,
        "ACF_OBJECT_STORE_CONN_ID": "acf_s3",
        **connections,
    }
    if statsd_port:
        env.update({"AIRFLOW__METRICS__STATSD_ON": "True", "AIRFLOW__METRICS__STATSD_HOST": "127.0.0.1",
                    "AIRFLOW__METRICS__STATSD_PORT": str(statsd_port), "AIRFLOW__METRICS__STATSD_PREFIX": "airflow"})
    return env
