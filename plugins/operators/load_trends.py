"""Parse, validate, deduplicate, score, categorise and load fetched trend payloads."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from operators.base import FactoryOperator
from operators.fetch_trends import interval_of


class LoadTrendsOperator(FactoryOperator):
    """Load what :class:`FetchTrendsOperator` tasks stored into ``acf.trends`` (failing rows to
    ``acf.quarantine``); a rerun of the interval adds nothing.

    :param payloads: the fetch payloads (an XComArg of mapped fetches).
    :param interval_start: ISO time of the interval (default as FetchTrendsOperator); it lasts 6 hours.
    :return: counts (trends, loaded, quarantined...).
    """

    template_fields = ("payloads", "interval_start")

    def __init__(self, *, payloads: Any, interval_start: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.payloads = payloads
        self.interval_start = interval_start

    def execute(self, context) -> dict:
        from acf.trends import pipeline

        start = interval_of(context, self.interval_start)
        with self.connection() as conn:
            summary = pipeline.process(conn, self.object_root, list(self.payloads), interval_start=start,
                                       interval_end=start + timedelta(hours=6), run_id=context["run_id"])
        self.log.info("loaded %s trends, %s quarantined", summary.get("trends"), summary.get("quarantined"))
        return summary
