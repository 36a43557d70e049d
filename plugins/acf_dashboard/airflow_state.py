"""What the dashboard reads from Airflow's own metadata database: the factory's runs in progress, the
production runs of one opportunity, and the approvals waiting for a person.

Read only. Every action (trigger a run, answer an approval) goes through Airflow's REST API from the
user's browser with the user's own login; the dashboard only shows the state and who may act.
The dashboard app takes an object with these methods (``create_app(airflow=...)``), so its pages
can be tested against a seeded factory database without a scheduler.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

PUBLISH_DAG, APPROVAL_TASK = "acf_publish", "approve"
PRODUCTION_DAG = "acf_production"
ACTIVE_STATES = ("queued", "running")
FINISHED_TASK_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _run(run, tasks: dict[str, int] | None = None) -> dict[str, Any]:
    return {"dag_id": run.dag_id, "run_id": run.run_id, "state": str(run.state), "run_type": str(run.run_type),
            "queued_at": _iso(run.queued_at), "start_date": _iso(run.start_date), "end_date": _iso(run.end_date),
            "conf": run.conf or {}, "triggered_by": run.triggering_user_name, "tasks": tasks or {}}


class AirflowState:
    """Queries over Airflow's ORM (the API server's own session)."""

    def _task_counts(self, session, runs) -> dict[tuple[str, str], dict[str, int]]:
        from sqlalchemy import func, select, tuple_

        from airflow.models.taskinstance import TaskInstance as TI

        if not runs:
            return {}
        keys = [(r.dag_id, r.run_id) for r in runs]
        counts: dict[tuple[str, str], dict[str, int]] = {}
        rows = session.execute(
            select(TI.dag_id, TI.run_id, TI.state, func.count())
            .where(tuple_(TI.dag_id, TI.run_id).in_(keys))
            .group_by(TI.dag_id, TI.run_id, TI.state))
        for dag_id, run_id, state, count in rows:
            counts.setdefault((dag_id, run_id), {})[str(state or "none")] = int(count)
        return counts

    def active_runs(self, dag_ids: list[str], page: int, per_page: int) -> tuple[list[dict], int]:
        """Queued and running runs of ``dag_ids``, newest first, with their task states counted."""
        from sqlalchemy import func, select

        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        if not dag_ids:
            return [], 0
        where = (DagRun.dag_id.in_(dag_ids), DagRun.state.in_(ACTIVE_STATES))
        with create_session() as session:
            total = session.scalar(select(func.count()).select_from(DagRun).where(*where)) or 0
            runs = list(session.scalars(select(DagRun).where(*where)
                                        .order_by(DagRun.run_after.desc(), DagRun.id.desc())
                                        .limit(per_page).offset((page - 1) * per_page)))
            counts = self._task_counts(session, runs)
            return [_run(r, counts.get((r.dag_id, r.run_id))) for r in runs], int(total)

    def runs_with_conf(self, dag_id: str, key: str, value: str, limit: int = 10) -> list[dict]:
        """The newest runs of ``dag_id`` whose conf has ``key`` = ``value`` (looked for among its last 200)."""
        from sqlalchemy import select

        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session

        with create_session() as session:
            runs = [r for r in session.scalars(select(DagRun).where(DagRun.dag_id == dag_id)
                                               .order_by(DagRun.run_after.desc(), DagRun.id.desc()).limit(200))
                    if (r.conf or {}).get(key) == value][:limit]
            counts = self._task_counts(session, runs)
            return [_run(r, counts.get((r.dag_id, r.run_id))) for r in runs]

    def pending_approvals(self, page: int, per_page: int) -> tuple[list[dict], int]:
        """acf_publish runs whose ``approve`` step asked a person and has no answer yet, oldest first:
        the task's state (``awaiting_input`` once parked), the request, and the packages the run built
        (the ``packages_<platform>`` tasks' return values: content id, platform, package key, title)."""
        from sqlalchemy import func, select

        from airflow.models.dagrun import DagRun
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance as TI
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session

        # An unanswered step of a finished task (its deadline passed, the run was failed by hand) waits no more.
        where = (TI.dag_id == PUBLISH_DAG, TI.task_id == APPROVAL_TASK, HITLDetail.responded_at.is_(None),
                 TI.state.not_in(FINISHED_TASK_STATES))
        with create_session() as session:
            total = session.scalar(select(func.count()).select_from(TI)
                                   .join(HITLDetail, HITLDetail.ti_id == TI.id).where(*where)) or 0
            rows = session.execute(
                select(TI.run_id, TI.state, TI.updated_at, HITLDetail.subject, HITLDetail.created_at,
                       HITLDetail.options, HITLDetail.params, DagRun.conf)
                .join(HITLDetail, HITLDetail.ti_id == TI.id)
                .join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id)).where(*where)
                .order_by(HITLDetail.created_at, TI.run_id).limit(per_page).offset((page - 1) * per_page)).all()
            items = [{"dag_id": PUBLISH_DAG, "run_id": run_id, "task_id": APPROVAL_TASK,
                      "task_state": str(state or "none"), "state_since": _iso(updated_at), "subject": subject,
                      "requested_at": _iso(created_at), "options": list(options or []),
                      "params": sorted(params or {}), "targets": self._targets(session, run_id),
                      # the time the run was asked to post at ("" or absent: as soon as a window allows)
                      "publish_at": str((conf or {}).get("publish_at") or "") or None}
                     for run_id, state, updated_at, subject, created_at, options, params, conf in rows]
            return items, int(total)

    def account_timezones(self) -> dict[str, str]:
        """Each platform's account time zone (its publishing Connection's ``timezone`` extra, as the publish
        step reads it for posting windows), for the platforms whose Connection exists and gives one. Read
        through Airflow's secrets backends (environment variables, then the metadata database), as the
        scheduler does; only that extra is kept."""
        from airflow.exceptions import AirflowNotFoundException
        from airflow.models.connection import Connection

        from acf import services

        zones = {}
        for service in services.services("platform"):
            for conn_id in (service.conn_id, *service.legacy_conn_ids):
                try:
                    conn = Connection.get_connection_from_secrets(conn_id)
                except AirflowNotFoundException:
                    continue
                zone = (conn.extra_dejson or {}).get("timezone")
                if zone:
                    zones[service.name] = str(zone)
                break
        return zones

    def recent_answers(self, limit: int = 5) -> list[dict]:
        """The latest answered approvals of acf_publish: who chose what (and why), the run's state now and
        the packages it built."""
        from sqlalchemy import select

        from airflow.models.dagrun import DagRun
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance as TI
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = session.execute(
                select(TI.run_id, DagRun.state, HITLDetail.chosen_options, HITLDetail.params_input,
                       HITLDetail.responded_by, HITLDetail.responded_at)
                .join(HITLDetail, HITLDetail.ti_id == TI.id)
                .join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
                .where(TI.dag_id == PUBLISH_DAG, TI.task_id == APPROVAL_TASK, HITLDetail.responded_at.is_not(None))
                .order_by(HITLDetail.responded_at.desc()).limit(limit)).all()
            return [{"dag_id": PUBLISH_DAG, "run_id": run_id, "run_state": str(run_state),
                     "chosen_options": list(chosen or []), "params_input": dict(params_input or {}),
                     "responded_by": (responded_by or {}).get("name"), "responded_at": _iso(responded_at),
                     "targets": self._targets(session, run_id)}
                    for run_id, run_state, chosen, params_input, responded_by, responded_at in rows]

    @staticmethod
    def _targets(session, run_id: str) -> list[dict]:
        """What the run's ``packages_<platform>`` tasks returned: one target per (content, platform)."""
        from sqlalchemy import select

        from airflow.models.xcom import XComModel

        targets = []
        for xcom in session.scalars(
                select(XComModel).where(XComModel.dag_id == PUBLISH_DAG, XComModel.run_id == run_id,
                                        XComModel.task_id.like("packages\\_%", escape="\\"),
                                        XComModel.key == "return_value").order_by(XComModel.task_id)):
            value = XComModel.deserialize_value(xcom)
            targets += [t for t in value or [] if isinstance(t, dict) and t.get("content_id") and t.get("platform")]
        return targets
