"""
### acf_trends: four trend sources -> validated, deduplicated, scored trends

Every 6 hours by default (`ACF_TRENDS_SCHEDULE`), one mapped fetch per source and region
(`ACF_TREND_SOURCES` x `ACF_REGIONS`, labelled `source/region`).

1. **plan_fetches**: the (source, region) pairs of this run.
2. **fetch_raw**: a source's real hook when its Connection exists (`acf_youtube`, `acf_google_trends`,
   `acf_x`, `acf_reddit`; `ACF_TRENDS_MODE=offline|live|auto`), else the bundled sample set shaped like the
   real API. The payload is stored as received under `raw/<source>/<date>/<region>/<interval>.json`; a rerun
   reuses it. A failing source (e.g. Google Trends 429) is marked *unavailable* for this run; the others go on.
3. **process_and_load**: parse -> normalise -> validate (great-expectations; failing rows go to
   `acf.quarantine` with their reason and raw key) -> deduplicate (exact and near-duplicate across sources)
   -> score (components stored) -> categorise -> COPY into Postgres. A rerun of the interval adds nothing.
   Updates the `acf://trends` Asset, which starts `acf_opportunities`.

Regional analysis: `acf.trend_regional_momentum` (where each trend is rising) and `acf.trend_reach`
(global versus local).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from acf import dag_policy, settings
from airflow.sdk import Asset, dag, get_current_context, task

_settings = settings.load()
# source -> (hook class, its default Connection id); imported only when that Connection exists.
LIVE_HOOKS = {
    "youtube": ("hooks.youtube.YouTubeHook", "acf_youtube"),
    "google_trends": ("hooks.google_trends.GoogleTrendsHook", "acf_google_trends"),
    "x": ("hooks.x.XHook", "acf_x"),
    "reddit": ("hooks.reddit.RedditHook", "acf_reddit"),
}


def _interval(context) -> tuple[datetime, datetime]:
    """The run's data interval; manual runs (no logical date) take the 6-hour slot they fall in."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        return start, end
    after = context["dag_run"].run_after.astimezone(timezone.utc)
    slot = after.replace(minute=0, second=0, microsecond=0, hour=after.hour - after.hour % 6)
    return slot, slot + timedelta(hours=6)


def _live_fetcher(source: str):
    """The live hook's ``fetch_trending`` for ``source``, or None to replay the bundled sample."""
    mode = _settings.trends_mode
    if mode == "offline" or source not in LIVE_HOOKS:
        return None
    import importlib

    from airflow.sdk import BaseHook

    hook_path, conn_id = LIVE_HOOKS[source]
    try:
        BaseHook.get_connection(conn_id)
    except Exception:  # no such Connection: not configured for live
        if mode != "live":
            return None
        from acf.trends.pipeline import SourceUnavailable

        def missing(region: str) -> bytes:
            raise SourceUnavailable(f"ACF_TRENDS_MODE=live but Connection {conn_id!r} does not exist")

        return missing
    module, _, name = hook_path.rpartition(".")
    return getattr(importlib.import_module(module), name)(conn_id).fetch_trending


@dag(
    dag_id="acf_trends",
    schedule=_settings.trends_schedule,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("trends"),
    doc_md=__doc__,
    max_active_runs=1,
)
def acf_trends():
    @task
    def plan_fetches() -> list[dict]:
        """One fetch per configured (source, region)."""
        return [{"source": s, "region": r} for s in _settings.trend_sources for r in _settings.regions]

    @task(map_index_template="{{ source_region }}")
    def fetch_raw(source: str, region: str) -> dict:
        """Fetch one source for one region and store the payload as received."""
        from acf.trends import pipeline
        from hooks.object_store import object_root

        context = get_current_context()
        context["source_region"] = f"{source}/{region}"
        start, _ = _interval(context)
        return pipeline.fetch_raw(source, region, object_root(), interval_start=start,
                                  fetcher=_live_fetcher(source))

    @task(outlets=[Asset(dag_policy.TRENDS_ASSET)])
    def process_and_load(payloads: list[dict]) -> dict:
        """Parse, validate, dedupe, score, categorise and load the interval's payloads."""
        from acf.trends import pipeline
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        context = get_current_context()
        start, end = _interval(context)
        with factory_connection() as conn:
            summary = pipeline.process(conn, object_root(), list(payloads), interval_start=start,
                                       interval_end=end, run_id=context["run_id"])
        context["outlet_events"][Asset(dag_policy.TRENDS_ASSET)].extra = {
            k: summary[k] for k in ("interval_start", "trends", "loaded", "quarantined")}
        return summary

    process_and_load(fetch_raw.expand_kwargs(plan_fetches()))


acf_trends()
