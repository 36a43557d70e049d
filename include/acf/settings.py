"""The one place the factory's configuration is read.

Everything comes from environment variables with defaults that run offline on
one machine. Credentials are never read here: they live in Airflow Connections
and are read by the hooks only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

ASPECTS = ("9:16", "16:9", "1:1")


def _schedule(value: str) -> str | None:
    """A cron/preset string, or None ("none", "off" or empty) for manual and Asset-only runs."""
    return None if value.strip().lower() in ("", "none", "off", "manual") else value.strip()


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    object_store_url: str
    object_store_conn_id: str | None
    postgres_conn_id: str
    default_tier: str
    regions: tuple[str, ...]
    trend_sources: tuple[str, ...]
    trends_schedule: str | None
    analytics_schedule: str | None
    top_opportunities: int
    niches: tuple[str, ...]
    blocked_terms: tuple[str, ...] = field(default_factory=tuple)
    # auto: a source is fetched live when its Airflow Connection exists, else from the bundled sample;
    # offline: always the sample; live: always the hook (a missing Connection makes the source unavailable).
    trends_mode: str = "auto"
    maintenance_schedule: str | None = "30 2 * * *"
    backup_retention_days: int = 30
    evidence_retention_days: int = 30   # acf.trend_evidence rows not seen for this long are deleted
    blocked_topics: tuple[str, ...] = field(default_factory=tuple)   # categories never made into content
    # How long acf_publish's `approve` waits for a person; past it the run posts nothing. The deadline
    # also resumes an answer Airflow recorded without resuming the task (see README, known limits).
    approval_timeout_hours: float = 24.0
    # Subreddits whose hot posts acf_trends lists besides r/popular (they carry no region).
    reddit_subreddits: tuple[str, ...] = field(default_factory=tuple)
    # Data files that replace the bundled ones (None: the bundled tiers.yaml / platform_rules.yaml).
    tiers_file: Path | None = None
    platform_rules_file: Path | None = None
    render_slots: int = 1                      # renders at once (pool acf_render): CPU-bound on 2 cores
    # The model price table of the cost ledger; None is the one bundled with acf.text (prices.yaml).
    prices_file: Path | None = None
    # `make run` only: the API server's port, Airflow's metadata database on the ACF_DATABASE_URL
    # server, and how many task processes Airflow runs at once (two cores: a few, not 32).
    # The length scheduled (Asset-triggered) productions aim at, seconds; a manual run's Param overrides it.
    target_seconds: int = 30
    api_port: int = 8080
    # The stack's other listening ports (Airflow's defaults): the scheduler's and triggerer's log
    # servers and the scheduler's health check; change them to run a second stack on one machine.
    worker_log_port: int = 8793
    trigger_log_port: int = 8794
    scheduler_health_port: int = 8974
    airflow_db: str = "airflow"
    parallelism: int = 4
    # Security: a Connection key older than this is due for rotation; the backups' encryption key lives
    # in this Connection (password); `backup_sse` asks S3 for server-side encryption too (AES256, aws:kms).
    key_max_age_days: int = 90
    backup_conn_id: str = "acf_backup"
    backup_sse: str | None = None
    backup_sse_kms_key_id: str | None = None


def load() -> Settings:
    """Read settings from the environment (call again after changing it)."""
    env = os.environ
    home = Path(env.get("ACF_HOME", PROJECT_ROOT / ".acf")).resolve()
    default_store = (home / "objects").as_uri()
    return Settings(
        home=home,
        database_url=env.get("ACF_DATABASE_URL") or None,
        object_store_url=env.get("ACF_OBJECT_STORE", default_store).rstrip("/"),
        object_store_conn_id=env.get("ACF_OBJECT_STORE_CONN_ID") or None,
        postgres_conn_id=env.get("ACF_POSTGRES_CONN_ID", "acf_postgres"),
        default_tier=env.get("ACF_TIER", "offline"),
        regions=_csv(env.get("ACF_REGIONS", "US,GB,IN,BR,DE,JP")),
        trend_sources=_csv(env.get("ACF_TREND_SOURCES", "youtube,google_trends,x,reddit")),
        trends_schedule=_schedule(env.get("ACF_TRENDS_SCHEDULE", "0 */6 * * *")),
        trends_mode=env.get("ACF_TRENDS_MODE", "auto"),
        analytics_schedule=_schedule(env.get("ACF_ANALYTICS_SCHEDULE", "@daily")),
        top_opportunities=int(env.get("ACF_TOP_OPPORTUNITIES", "3")),
        niches=_csv(env.get("ACF_NICHES", "technology,music,gaming,science,entertainment")),
        blocked_terms=_csv(env.get("ACF_BLOCKED_TERMS", "")),
        maintenance_schedule=_schedule(env.get("ACF_MAINTENANCE_SCHEDULE", "30 2 * * *")),
        backup_retention_days=int(env.get("ACF_BACKUP_RETENTION_DAYS", "30")),
        evidence_retention_days=int(env.get("ACF_EVIDENCE_RETENTION_DAYS", "30")),
        blocked_topics=_csv(env.get("ACF_BLOCKED_TOPICS", "")),
        approval_timeout_hours=float(env.get("ACF_APPROVAL_TIMEOUT_HOURS", "24")),
        reddit_subreddits=_csv(env.get("ACF_REDDIT_SUBREDDITS", "")),
        tiers_file=Path(env["ACF_TIERS_FILE"]) if env.get("ACF_TIERS_FILE") else None,
        platform_rules_file=Path(env["ACF_PLATFORM_RULES_FILE"]) if env.get("ACF_PLATFORM_RULES_FILE") else None,
        render_slots=int(env.get("ACF_RENDER_SLOTS", "1")),
        prices_file=Path(env["ACF_PRICES_FILE"]) if env.get("ACF_PRICES_FILE") else None,
        target_seconds=min(600, max(15, int(env.get("ACF_TARGET_SECONDS", "30")))),
        api_port=int(env.get("ACF_API_PORT", "8080")),
        worker_log_port=int(env.get("ACF_WORKER_LOG_PORT", "8793")),
        trigger_log_port=int(env.get("ACF_TRIGGER_LOG_PORT", "8794")),
        scheduler_health_port=int(env.get("ACF_SCHEDULER_HEALTH_PORT", "8974")),
        airflow_db=env.get("ACF_AIRFLOW_DB", "airflow"),
        parallelism=int(env.get("ACF_PARALLELISM", "4")),
        key_max_age_days=int(env.get("ACF_KEY_MAX_AGE_DAYS", "90")),
        backup_conn_id=env.get("ACF_BACKUP_CONN_ID", "acf_backup"),
        backup_sse=env.get("ACF_BACKUP_SSE") or None,
        backup_sse_kms_key_id=env.get("ACF_BACKUP_SSE_KMS_KEY_ID") or None,
    )
