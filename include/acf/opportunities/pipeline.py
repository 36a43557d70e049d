"""The opportunity stage's two steps, as the DAG and the benchmark call them."""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from typing import Any

from acf import db, registry
from acf.analytics.feedback import category_platform_performance
from acf import settings as settings_module
from acf.opportunities import store
from acf.opportunities.analyzer import TrendAnalyzer, brand_rules
from acf.opportunities.brief import build_brief
from acf.opportunities.engine import OpportunityEngine
from acf.text.guard import redact
from acf.text.ledger import opportunity_totals, run_totals
from acf.text.providers import Resolver
from acf.text.service import ITEM_ERRORS, TextGenerator

log = logging.getLogger(__name__)
STAGE = "opportunities.angles"


def score_trends(
    conn,
    *,
    run_id: str | None = None,
    settings: settings_module.Settings | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> dict[str, Any]:
    """Score the current trends into acf.opportunities; returns counts and skip reasons."""
    analyzer = TrendAnalyzer.from_settings(settings, now=now)
    trends = store.load_trends(conn, limit=limit)
    competition = store.youtube_competition(conn, [t.trend_id for t in trends])
    # Feedback: categories that did well (real, not simulated, metrics) on our platforms score higher.
    performance = category_platform_performance(conn, now=now)
    opportunities = analyzer.analyze_all(trends, competition, performance)
    store.save_opportunities(conn, opportunities, run_id)
    facts = save_briefs(conn, trends, opportunities, settings, now, run_id)
    skipped = [o for o in opportunities if o.status == "skipped"]
    reasons = Counter((o.skip_reason or "").split(":")[0] for o in skipped)
    log.info("scored %d trends: %d open, %d skipped %s; %d facts in their briefs", len(trends),
             len(opportunities) - len(skipped), len(skipped), dict(reasons), facts)
    return {
        "trends": len(trends),
        "open": len(opportunities) - len(skipped),
        "skipped": len(skipped),
        "skip_reasons": dict(reasons),
        "facts": facts,
        "opportunity_ids": [o.opportunity_id for o in opportunities if o.status == "open"],
    }


def save_briefs(conn, trends, opportunities, settings=None, now=None, run_id=None) -> int:
    """A brief for each open opportunity, from its trend's stored observations and evidence; returns the
    facts saved."""
    s = settings or settings_module.load()
    by_trend = {t.trend_id: t for t in trends}
    open_ones = [o for o in opportunities if o.status == "open"]
    trend_ids = [o.trend_id for o in open_ones]
    observations = store.trend_evidence(conn, trend_ids)
    said = store.trend_said(conn, trend_ids)
    skip_words = [w for words in brand_rules()["skip"].values() for w in words] + list(s.blocked_terms)
    briefs = {o.opportunity_id: (o.trend_id, build_brief(by_trend[o.trend_id], observations.get(o.trend_id, []),
                                                         said=said.get(o.trend_id, []), skip_words=skip_words,
                                                         now=now))
              for o in open_ones}
    store.save_briefs(conn, briefs, run_id)
    return sum(len(facts) for _, facts in briefs.values())


def write_angles(
    conn,
    *,
    tier: str,
    top_n: int,
    run_id: str | None = None,
    opportunity_ids: list[str] | None = None,
    resolver: Resolver | None = None,
    tiers: dict | None = None,
) -> dict[str, Any]:
    """Angles for the top ``top_n`` open opportunities. A bad item is skipped with its reason, never the run."""
    generator = TextGenerator(tier, conn=conn, run_id=run_id, resolver=resolver, tiers=tiers)
    engine = OpportunityEngine(generator)
    done, skipped, angles, providers = [], [], 0, Counter()
    for opportunity, trend in store.top_open(conn, top_n, opportunity_ids):
        try:
            batch = engine.angles_for(opportunity, trend, store.load_brief(conn, opportunity.opportunity_id))
        except (*ITEM_ERRORS, registry.AllProvidersFailedError) as exc:
            # the ledger rows of the failed calls stay: nothing is rolled back
            reason = redact(f"{type(exc).__name__}: {exc}")
            log.warning("opportunity %s skipped: %s", opportunity.opportunity_id, reason)
            store.skip_opportunity(conn, opportunity.opportunity_id, reason)
            db.quarantine(conn, STAGE, reason, {"opportunity_id": opportunity.opportunity_id,
                                                "trend_id": trend.trend_id, "term": trend.term}, run_id=run_id)
            skipped.append({"opportunity_id": opportunity.opportunity_id, "reason": reason[:300]})
            continue
        store.save_angles(conn, batch.angles, run_id)
        done.append(opportunity.opportunity_id)
        angles += len(batch.angles)
        providers[batch.generated.provider] += 1
    totals = run_totals(conn, run_id) if run_id else {}
    return {
        "tier": tier,
        "opportunities": len(done),
        "angles": angles,
        "skipped": skipped,
        "providers": dict(providers),
        "model_calls": generator.ledger.model_calls,
        "cache_hits": generator.ledger.cache_hits,
        "cost_usd": float(generator.ledger.cost),
        "exhausted": dict(generator.exhausted),   # providers skipped for the rest of this run, and why
        "run_totals": totals,
        "opportunity_ids": done,
    }


def cost_report(conn, run_id: str) -> dict[str, Any]:
    return {"run": run_totals(conn, run_id), "per_opportunity": opportunity_totals(conn, run_id)}
