"""
### acf_analytics: how the published posts perform, and what they earned for what they cost

Daily (``ACF_ANALYTICS_SCHEDULE``, default ``@daily``) and on demand:

1. **collect_metrics**: every publication in state `published` is measured; offline-tier
   posts (outbox packages) get *simulated* metrics (marked `simulated=true`), the others
   are asked from their platform (YouTube videos.list statistics, TikTok video query,
   Instagram and Facebook insights) with the publishing Connection of that platform. Points are
   stored in `acf.metrics`, idempotent per publication and observation time.
2. **roll_up_roi**: ROI per content piece, trend category, tier and platform (AI cost from
   `acf.ai_calls` against revenue estimated from RPM per platform and category) into
   `acf.roi_rollups`.

The dashboard (Content Factory in the UI navigation) shows the results.
"""
from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from acf import dag_policy, settings

def _observed_at():
    """The run's measuring moment, fixed per run so a retry overwrites its own points: the data interval
    end of a scheduled run (on the hour), or the moment an on-demand run was asked for (so posts
    published minutes earlier are measured too)."""
    context = get_current_context()
    dag_run = context["dag_run"]
    if str(getattr(dag_run, "run_type", "")).endswith("scheduled") and context.get("data_interval_end"):
        return context["data_interval_end"].replace(minute=0, second=0, microsecond=0)
    from datetime import timedelta

    asked = dag_run.run_after
    # Rounded up, not down: a post published earlier in the same second must fall inside the window.
    return asked.replace(microsecond=0) + timedelta(seconds=1 if asked.microsecond else 0)


def _platform_fetchers() -> dict:
    """A real metrics fetcher per platform whose publishing Connection exists; others are skipped with a reason."""
    from hooks.configured import metric_fetchers

    return metric_fetchers()


@dag(
    dag_id="acf_analytics",
    schedule=settings.load().analytics_schedule,
    catchup=False,
    max_active_runs=1,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("analytics"),
    doc_md=__doc__,
)
def acf_analytics():
    @task
    def collect_metrics() -> dict:
        """Measure every published post and store the time-series points."""
        from hooks.factory_db import factory_connection

        from acf.analytics.collect import collect_and_store

        observed_at = _observed_at()
        with factory_connection() as conn:
            report = collect_and_store(conn, observed_at, _platform_fetchers(),
                                       run_id=get_current_context()["run_id"])
        for publication_id, reason in report.skipped:
            print(f"not measured: {publication_id}: {reason}")
        return {"observed_at": observed_at.isoformat(), "stored": report.stored,
                "simulated": report.simulated, "skipped": len(report.skipped)}

    @task
    def roll_up_roi(collected: dict) -> dict:
        """ROI per content piece, category, tier and platform for the observation day."""
        from datetime import datetime

        from hooks.factory_db import factory_connection

        from acf.analytics.roi import rollup

        as_of = datetime.fromisoformat(collected["observed_at"]).date()
        with factory_connection() as conn:
            return {"as_of": as_of.isoformat(), **rollup(conn, as_of)}

    roll_up_roi(collect_metrics())


acf_analytics()
