"""Measure every published post and store its metrics points."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from operators.base import FactoryOperator


class CollectMetricsOperator(FactoryOperator):
    """Metrics of every ``published`` publication into ``acf.metrics``, as ``acf_analytics`` does: asked
    from each platform whose publishing Connection exists, simulated (``simulated=true``) for outbox posts.
    Idempotent per publication and observation time.

    :param observed_at: ISO time of the measurement (default: the moment the run was asked for).
    :return: counts (stored, simulated, skipped) and ``observed_at``.
    """

    template_fields = ("observed_at",)

    def __init__(self, *, observed_at: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observed_at = observed_at

    def execute(self, context) -> dict:
        from acf.analytics.collect import collect_and_store
        from hooks.configured import metric_fetchers

        observed_at = _moment(self.observed_at or context["dag_run"].run_after)
        with self.connection() as conn:
            report = collect_and_store(conn, observed_at, metric_fetchers(), run_id=context["run_id"])
        for publication_id, reason in report.skipped:
            self.log.info("not measured: %s: %s", publication_id, reason)
        return {"observed_at": observed_at.isoformat(), "stored": report.stored, "simulated": report.simulated,
                "skipped": len(report.skipped)}


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    # Rounded up: a post published earlier in the same second falls inside the window.
    return moment.replace(microsecond=0) + timedelta(seconds=1 if moment.microsecond else 0)
