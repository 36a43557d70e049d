"""The dashboard's security views, read in the API server: the factory's audit trail and key ages.

Both come from Airflow's metadata database (the ``log`` table Airflow's audit log lives in) beside the
factory's own tables; the API server may read it, a task may not (Airflow 3 blocks ORM access there).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, or_, select

from acf.security import key_age

# Airflow's own audit events that are factory actions when they name an acf_ DAG (the REST API and the
# UI: triggers, approvals, pauses, clears), and the Connection changes a key rotation makes.
AIRFLOW_EVENTS = ("trigger_dag_run", "update_hitl_detail", "patch_dag", "clear_dag_run",
                  "post_clear_task_instances", "delete_dag_run")


def audit_trail(session, page: int, per_page: int) -> dict:
    """The factory's audit entries, newest first: its own ``acf.*`` events, Airflow's events on acf_ DAGs,
    and Connection changes. Each: when, who, event, DAG, run, extra (as Airflow stored it, masked)."""
    from airflow.models.log import Log

    where = or_(Log.event.like("acf.%"),
                Log.event.in_(key_age.CONNECTION_EVENTS + ("delete_connection",)),
                Log.dag_id.like("acf\\_%") & Log.event.in_(AIRFLOW_EVENTS))
    total = session.scalar(select(func.count()).select_from(Log).where(where)) or 0
    rows = session.scalars(select(Log).where(where).order_by(Log.dttm.desc(), Log.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    items = [{"when": r.dttm.isoformat() if r.dttm else None, "user": r.owner, "event": r.event,
              "dag_id": r.dag_id, "run_id": r.run_id, "extra": r.extra} for r in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max(1, -(-total // per_page))}


def connection_changes(session) -> dict:
    """conn_id -> its last change in Airflow's audit log."""
    from airflow.models.log import Log

    rows = session.execute(select(Log.event, Log.extra, Log.dttm)
                           .where(Log.event.in_(key_age.CONNECTION_EVENTS))).all()
    return key_age.last_changes(rows)


def key_ages(factory_conn, session, max_age_days: int, now: datetime | None = None) -> list[key_age.KeyAge]:
    return key_age.current(factory_conn, connection_changes(session), now or datetime.now(timezone.utc),
                           max_age_days)


def key_age_metrics(ages: list[key_age.KeyAge]) -> str:
    """Prometheus lines: each key's age in days (undated keys are absent) and whether it is overdue."""
    lines = ["# HELP acf_connection_key_age_days Days since the Connection's key was rotated (rotated_at, else"
             " its last change in Airflow's audit log).", "# TYPE acf_connection_key_age_days gauge"]
    lines += [f'acf_connection_key_age_days{{conn_id="{a.conn_id}",dated_from="{a.dated_from}"}} {a.age_days:.1f}'
              for a in ages if a.age_days is not None]
    lines += ["# HELP acf_connection_key_overdue 1 when the key is older than the rotation age"
              " (ACF_KEY_MAX_AGE_DAYS), or undated.", "# TYPE acf_connection_key_overdue gauge"]
    lines += [f'acf_connection_key_overdue{{conn_id="{a.conn_id}"}} {int(a.overdue or a.dated_from == "unknown")}'
              for a in ages]
    return "\n".join(lines) + "\n"
