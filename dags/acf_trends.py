"""
### acf_trends: four trend sources -> validated, deduplicated, scored trends, and what each is about

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
   fetch, `reddit/r/<name>`, stored under region `ZZ` (a subreddit has no region). YouTube's chart is asked
   per category it still serves (the Connection's `chart_categories`); a refused category is skipped.
3. **discover_youtube** (mapped per region): the region's leading terms on the other sources are searched
   on YouTube (`search.list`, within the Connection's daily `search_budget`, counted in PostgreSQL) and the
   hits' statistics fetched: what is rising beyond the charts, stored as a YouTube payload.
4. **process_and_load**: parse -> normalise -> validate (great-expectations; failing rows go to
   `acf.quarantine` with their reason and raw key) -> deduplicate (exact and near-duplicate across sources)
   -> score (components stored) -> categorise -> COPY into Postgres, with each item's evidence (news
   headlines, posts, videos) in `acf.trend_evidence`. A rerun of the interval adds nothing.
5. **gather_evidence**: more evidence for the run's top trends, best effort: the top comments under their
   Reddit posts and posts on X from a recent search (few requests, capped by the Connections' extras).
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

    @task
    def plan_discovery(params=None) -> list[str]:
        """The regions whose leading terms are searched on YouTube (when YouTube and another source run)."""
        sources_asked = set(params["sources"])
        return list(params["regions"]) if "youtube" in sources_asked and len(sources_asked) > 1 else []

    @task(map_index_template="{{ region }}")
    def discover_youtube(region: str, fetched: list[dict]) -> dict:
        """Search the region's leading terms on YouTube, within the day's search.list budget."""
        from acf.trends import discovery
        from hooks.configured import discovery_calls
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        start, _ = _interval(get_current_context())
        with factory_connection() as conn:
            return discovery.discover(conn, object_root(), region, list(fetched), interval_start=start,
                                      calls=discovery_calls(_settings.trends_mode))

    @task(trigger_rule="none_failed")
    def process_and_load(fetched: list[dict], discovered: list[dict] | None = None) -> dict:
        """Parse, validate, dedupe, score, categorise and load the interval's payloads, with their evidence."""
        from acf.trends import pipeline
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        context = get_current_context()
        start, end = _interval(context)
        payloads = list(fetched) + [p for p in discovered or [] if p and p.get("raw_key")]
        with factory_connection() as conn:
            return pipeline.process(conn, object_root(), payloads, interval_start=start, interval_end=end,
                                    run_id=context["run_id"])

    @task(outlets=[Asset(dag_policy.TRENDS_ASSET)])
    def gather_evidence(summary: dict) -> dict:
        """Top comments and posts on X for the run's top trends; a failed call costs only its evidence."""
        from acf.trends import more_evidence
        from hooks.configured import evidence_calls
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        context = get_current_context()
        start, _ = _interval(context)
        with factory_connection() as conn:
            gathered = more_evidence.gather(conn, object_root(), interval_start=start, run_id=context["run_id"],
                                            calls=evidence_calls(_settings.trends_mode))
        context["outlet_events"][Asset(dag_policy.TRENDS_ASSET)].extra = {
            k: summary[k] for k in ("interval_start", "trends", "loaded", "quarantined")} | {
            "evidence": summary.get("evidence", 0) + gathered["evidence"]}
        return gathered

    fetched = fetch_raw.expand_kwargs(plan_fetches())
    discovered = discover_youtube.partial(fetched=fetched).expand(region=plan_discovery())
    gather_evidence(process_and_load(fetched, discovered))


acf_trends()
