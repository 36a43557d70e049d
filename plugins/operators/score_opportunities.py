"""Score every current trend as an opportunity (unsafe ones are stored as skipped with the reason)."""
from __future__ import annotations

from operators.base import FactoryOperator


class ScoreOpportunitiesOperator(FactoryOperator):
    """Score the current trends (trend score, competition, freshness, niche fit, brand safety) into
    ``acf.opportunities`` and build each one's brief of facts, as ``acf_opportunities.score_trends`` does.

    :return: counts (scored, skipped...).
    """

    def execute(self, context) -> dict:
        from acf.opportunities import pipeline

        with self.connection() as conn:
            summary = pipeline.score_trends(conn, run_id=context["run_id"])
        summary = {k: v for k, v in summary.items() if k != "opportunity_ids"}
        self.log.info("opportunities: %s", summary)
        return summary
