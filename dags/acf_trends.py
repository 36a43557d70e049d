"""
### acf_trends: four trend sources -> validated, deduplicated, scored trends

Every 6 hours by default (`ACF_TRENDS_SCHEDULE`), one mapped fetch per source and region
(`ACF_TREND_SOURCES` x `ACF_REGIONS`, labelled `source/region`). A manual run can narrow or widen them
with the params `sources`, `regions` and `subreddits`.

1. **plan_fetches**: the (source, region) pairs of this run, and the configured subreddits.
2. **fetch_raw**: a source's real hook when its Connection exists (`acf_youtube`, `acf_google_trends`,
   `acf_x`, `acf_reddit`; `ACF_TRENDS_MODE=offline|live|auto`), else the bundled sample set shaped like the
   real API. The payload is stored as received under `raw/<source>/<date>/<region>/<interval>.json`; a rerun
   reuses it. A failing source (e.g. Google Trends 429) is marked *unavailable* for this run; the others go on.
   X also stores recent-search counts of the region's candidate terms (`<interval>-signals.json`). Each
   subreddit of `ACF_REDDIT_SUBREDDITS` (and of the Reddit Connection's `subreddits` extra) is one more
   fetch, `reddit/r/<name>`, stored under region `ZZ` (a subreddit has no region).
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
from acf.trends import sources
from airflow.sdk import Asset, Param, dag, get_current_context, task

_settings = settings.load()


def _interval(context) -> tuple[datetime, datetime]:
    """The run's data interval; manual runs (no logical date) take the 6-hour slot they fall in."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None and end > start:
        return start, end
    after = context["dag_run"].run_after.astimezone(timezone.utc)
    slot = after.replace(minute=0, second=0, microsecond=0, hour=after.hour - after.hour % 6)
    return slot, slot + timedelta(hours=6)


def _live_hook(source: str):
    """The live hook for ``source`` (None: replay the bundled sample); see hooks.configured.trend_hook."""
    from hooks.configured import trend_hook

    return trend_hook(source, _settings.trends_mode)


def _live_calls(source: str, feed: str | None = None):
    """(fetcher, signals) of the live hook for ``source``: each None to replay the bundled sample."""
    from hooks.configured import trend_calls

    return trend_calls(source, _settings.trends_mode, feed)


def _subreddits(asked: list[str], sources: list[str]) -> list[str]:
    """The run's subreddits, plus the `subreddits` extra of the Reddit Connection when it is used."""
    from hooks.configured import LIVE_MISSING

    names = list(asked)
    hook = _live_hook("reddit") if "reddit" in sources else None
    if hook is not None and hook is not LIVE_MISSING:
        names += hook.subreddits()
    return names


@dag(
    dag_id="acf_trends",
    schedule=_settings.trends_schedule,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("trends"),
    doc_md=__doc__,
    max_active_runs=1,
    params={
        "regions": Param(list(_settings.regions), type="array", minItems=1, uniqueItems=True,
                         items={"type": "string", "pattern": "^[A-Z]{2}$"},
                         description="ISO 3166-1 alpha-2 regions to fetch (default ACF_REGIONS)"),
        "sources": Param(list(_settings.trend_sources), type="array", minItems=1, uniqueItems=True,
                         items={"type": "string", "enum": sources.names()},
                         description="Trend sources to fetch (default ACF_TREND_SOURCES)"),
        "subreddits": Param(list(_settings.reddit_subreddits), type="array", uniqueItems=True,
                            items={"type": "string", "pattern": r"^(r/)?[A-Za-z0-9][A-Za-z0-9_]{1,20}$"},
                            description="Subreddits listed besides r/popular (default ACF_REDDIT_SUBREDDITS;"
                                        " the Reddit Connection's subreddits extra is added)"),
    },
)
def acf_trends():
    @task
    def plan_fetches(params=None) -> list[dict]:
        """One fetch per (source, region) of the run's params, and one per subreddit."""
        from acf.trends import fetch_plan

        return fetch_plan.plan(params["sources"], params["regions"],
                               _subreddits(params["subreddits"], params["sources"]))

    @task(map_index_template="{{ source_region }}")
    def fetch_raw(source: str, region: str, feed: str | None = None) -> dict:
        """Fetch one source for one region (or one subreddit) and store the payload as received."""
        from acf.trends import pipeline
        from hooks.object_store import object_root

        context = get_current_context()
        context["source_region"] = f"{source}/r/{feed}" if feed else f"{source}/{region}"
        start, _ = _interval(context)
        fetcher, signals = _live_calls(source, feed)
        return pipeline.fetch_raw(source, region, object_root(), interval_start=start, fetcher=fetcher,
                                  feed=feed, signals=signals)

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
