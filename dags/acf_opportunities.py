"""
### acf_opportunities: trends -> scored opportunities -> angles

Runs whenever `acf_trends` updates the trends Asset.

1. **score_trends**: every current trend gets an opportunity score (trend score, YouTube competition,
   freshness, niche fit, brand safety). Tragedies, adult content, blocked words/topics and prompt-injection
   attempts are stored as *skipped* with their reason.
2. **write_angles**: the top `top_n` open opportunities get at least three angles each (explainer, reaction,
   list...) with hook, title, platforms, format and estimated value, from the text chain of the chosen
   `tier` (offline = the local writer; a provider without a Connection is skipped). Identical requests are
   served from the cache; an item whose model output fails validation twice is skipped with its reason.
3. **report_costs**: model calls, cache hits and cost of this run (acf.ai_calls), per run and per opportunity.
"""
from __future__ import annotations

from acf import dag_policy, registry, settings
from airflow.sdk import Asset, Param, dag, task

_settings = settings.load()
_default_tier = _settings.default_tier if _settings.default_tier in registry.tier_names() else "offline"


@dag(
    dag_id="acf_opportunities",
    schedule=[Asset(dag_policy.TRENDS_ASSET)],
    catchup=False,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("opportunities"),
    doc_md=__doc__,
    max_active_runs=1,
    params={
        "tier": Param(_default_tier, enum=registry.tier_names(), description="Service tier for text"),
        "top_n": Param(_settings.top_opportunities, type="integer", minimum=1, maximum=50,
                       description="How many top opportunities get angles"),
    },
)
def acf_opportunities():
    @task
    def score_trends(run_id=None) -> dict:
        """Score every current trend; unsafe ones are stored as skipped with the reason."""
        from acf.opportunities import pipeline
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            summary = pipeline.score_trends(conn, run_id=run_id)
        return {k: v for k, v in summary.items() if k != "opportunity_ids"}

    @task(outlets=[Asset(dag_policy.OPPORTUNITIES_ASSET)])
    def write_angles(scored: dict, params=None, run_id=None) -> dict:
        """Angles for the top N open opportunities through the tier's text chain."""
        from acf.opportunities import pipeline
        from hooks.configured import text_provider
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            summary = pipeline.write_angles(conn, tier=params["tier"], top_n=int(params["top_n"]), run_id=run_id,
                                            resolver=text_provider)
        return {k: summary[k] for k in ("tier", "opportunities", "angles", "skipped", "providers",
                                        "model_calls", "cache_hits", "cost_usd")}

    @task
    def report_costs(written: dict, run_id=None) -> dict:
        """Cost ledger totals of this run, per run and per opportunity."""
        from acf.opportunities import pipeline
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            return pipeline.cost_report(conn, run_id)

    report_costs(write_angles(score_trends()))


acf_opportunities()
