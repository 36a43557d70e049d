"""
### acf_maintenance: daily encrypted backup of the factory schema, retention, a tested restore, key ages,
and the retention of trend evidence

1. **dump_schema**: `pg_dump` (custom format) of schema `acf` from one consistent snapshot, encrypted
   (AES-256-GCM, the key is the password of the Connection `acf_backup`, `ACF_BACKUP_CONN_ID`) before it
   is stored under `backups/postgres/` (on S3 also with server-side encryption when `ACF_BACKUP_SSE` is
   set), catalogued in `acf.backups` with its row counts and key id. No backup key: the task fails.
2. **apply_retention**: dumps older than `ACF_BACKUP_RETENTION_DAYS` (30) are deleted; the newest
   one is always kept.
3. **verify_restore**: the new dump is restored into a fresh scratch database on the same server and
   every table's row count must equal the counts taken at dump time (turn off with the
   `verify_restore` param where the database user may not CREATE DATABASE); it decrypts with the same key.
4. **check_key_ages**: each factory Connection's `rotated_at` extra is recorded in `acf.connection_keys`;
   keys older than `ACF_KEY_MAX_AGE_DAYS` (90) or undated get a warning line in this task's log (the
   dashboard and `/acf/metrics` also date keys from Airflow's audit log).
5. **prune_evidence**: `acf.trend_evidence` rows not seen for `ACF_EVIDENCE_RETENTION_DAYS` (30) are
   deleted (after the dump, so the last backup still holds them).

Restore by hand: `acf.maintenance.restore(root, key, dsn, workdir, encryption_key=...)` decrypts, then
runs `pg_restore --no-owner`.
"""
from __future__ import annotations

from airflow.sdk import Param, dag, task

from acf import dag_policy, settings


def _factory_dsn() -> str:
    """DSN of the factory database: ACF_DATABASE_URL, else the acf_postgres Connection."""
    config = settings.load()
    if config.database_url:
        return config.database_url
    from psycopg.conninfo import make_conninfo

    from hooks.factory_db import factory_connection

    with factory_connection() as conn:
        return make_conninfo(**conn.info.get_parameters(), password=conn.info.password or None)


def _backup_key() -> str:
    """The backups' encryption key: the password of the backup Connection (``acf_backup``)."""
    from airflow.sdk import BaseHook

    from acf import redaction

    conn_id = settings.load().backup_conn_id
    try:
        key = BaseHook.get_connection(conn_id).password
    except Exception as exc:  # noqa: BLE001 - Airflow raises its own not-found type
        raise RuntimeError(f"no backup key: create the Connection {conn_id!r} with the key as its password"
                           f" (backups are encrypted before they reach the object store): {exc}") from None
    if not key:
        raise RuntimeError(f"the Connection {conn_id!r} has no password: it is the backups' encryption key")
    redaction.register(key)
    return key


@dag(
    dag_id="acf_maintenance",
    schedule=settings.load().maintenance_schedule,
    catchup=False,
    max_active_runs=1,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("maintenance"),
    doc_md=__doc__,
    params={"verify_restore": Param(True, type="boolean", description="Restore the new dump into a scratch "
                                    "database and compare row counts")},
)
def acf_maintenance():
    @task
    def dump_schema() -> dict:
        """pg_dump schema acf to the object store and catalogue it."""
        from hooks.object_store import object_root

        from acf import maintenance, storage

        config = settings.load()
        workdir = storage.scratch_dir("acf-backup-")
        record = maintenance.backup(_factory_dsn(), object_root(), workdir, encryption_key=_backup_key(),
                                    sse=maintenance.sse_arguments(config.backup_sse, config.backup_sse_kms_key_id)
                                    if config.object_store_url.startswith("s3://") else None)
        return {"backup_key": record.backup_key, "bytes": record.bytes, "rows": sum(record.row_counts.values()),
                "encryption": record.encryption, "key_id": record.key_id}

    @task
    def apply_retention(dumped: dict) -> list[str]:
        """Delete dumps past the retention window (never the newest)."""
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        from acf import maintenance

        with factory_connection() as conn:
            return maintenance.apply_retention(conn, object_root(), keep_days=settings.load().backup_retention_days)

    @task
    def verify_restore(dumped: dict, params: dict | None = None) -> dict:
        """Restore the new dump into a scratch database; row counts must match."""
        from airflow.sdk.exceptions import AirflowSkipException

        from hooks.object_store import object_root

        from acf import db, maintenance, storage

        if not (params or {}).get("verify_restore", True):
            raise AirflowSkipException("verify_restore param is off")
        dsn = _factory_dsn()
        with db.connect(dsn) as conn:
            record = db.fetch_dicts(conn, "SELECT * FROM acf.backups WHERE backup_key = %s",
                                    (dumped["backup_key"],))[0]
        return maintenance.verify_restore(dsn, object_root(), storage.scratch_dir("acf-restore-"), record,
                                          encryption_key=_backup_key())

    @task
    def check_key_ages() -> dict:
        """Record each factory Connection's rotated_at; warn about keys past the rotation age or undated."""
        import logging

        from airflow.sdk import BaseHook

        from hooks.factory_db import factory_connection

        from acf.security import key_age

        config = settings.load()
        found = {}
        for conn_id, service in key_age.factory_connections(config):
            try:
                found[conn_id] = (service, BaseHook.get_connection(conn_id).extra_dejson)
            except Exception:  # noqa: BLE001 - not configured: nothing to rotate
                continue
        with factory_connection() as conn:
            ages = key_age.record(conn, found, max_age_days=config.key_max_age_days)
            conn.commit()
        for line in key_age.run_log_lines(ages, config.key_max_age_days):
            logging.getLogger("airflow.task").warning(line)
        return {"checked": len(ages), "overdue": sum(a.overdue for a in ages),
                "undated": sum(a.dated_from == "unknown" for a in ages)}

    @task
    def prune_evidence(dumped: dict) -> int:
        """Delete trend evidence not seen within the retention window."""
        from hooks.factory_db import factory_connection

        from acf.trends import evidence

        with factory_connection() as conn:
            return evidence.retain(conn, keep_days=settings.load().evidence_retention_days)

    dumped = dump_schema()
    apply_retention(dumped)
    verify_restore(dumped)
    prune_evidence(dumped)
    check_key_ages()


acf_maintenance()
