"""
### acf_maintenance: daily backup of the factory schema, with retention and a tested restore

1. **dump_schema**: `pg_dump` (custom format) of schema `acf` from one consistent snapshot to the
   object store under `backups/postgres/`, catalogued in `acf.backups` with its row counts.
2. **apply_retention**: dumps older than `ACF_BACKUP_RETENTION_DAYS` (30) are deleted; the newest
   one is always kept.
3. **verify_restore**: the new dump is restored into a fresh scratch database on the same server and
   every table's row count must equal the counts taken at dump time (turn off with the
   `verify_restore` param where the database user may not CREATE DATABASE).
4. **prune_evidence**: `acf.trend_evidence` rows not seen for `ACF_EVIDENCE_RETENTION_DAYS` (30) are
   deleted (after the dump, so the last backup still holds them).

Restore by hand: `pg_restore --no-owner --dbname <empty database> <dump>` (see `acf.maintenance.restore`).
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

        workdir = storage.scratch_dir("acf-backup-")
        record = maintenance.backup(_factory_dsn(), object_root(), workdir)
        return {"backup_key": record.backup_key, "bytes": record.bytes, "rows": sum(record.row_counts.values())}

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
        return maintenance.verify_restore(dsn, object_root(), storage.scratch_dir("acf-restore-"), record)

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


acf_maintenance()
