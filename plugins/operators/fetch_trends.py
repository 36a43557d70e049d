"""Fetch one trend source for one region (or one subreddit) and store the payload as received."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from operators.base import FactoryOperator


def six_hour_slot(moment: datetime) -> datetime:
    """The start of the 6-hour slot ``moment`` falls in (how acf_trends names a manual run's interval)."""
    moment = moment.astimezone(timezone.utc)
    return moment.replace(minute=0, second=0, microsecond=0, hour=moment.hour - moment.hour % 6)


class FetchTrendsOperator(FactoryOperator):
    """Fetch ``source`` for ``region`` (the live hook when its Connection exists, else the bundled sample)
    and store it under ``raw/<source>/<date>/<region>/``; a rerun reuses the stored payload.

    :param source: a trend source (``youtube``, ``google_trends``, ``x``, ``reddit`` or a registered one).
    :param region: ISO 3166-1 alpha-2 region.
    :param feed: a subreddit to list instead of the region (Reddit only).
    :param interval_start: ISO time of the interval (default: the run's data interval, else its 6-hour slot).
    :param mode: ``offline`` | ``live`` | ``auto`` (default ``ACF_TRENDS_MODE``).
    :return: the fetch payload (source, region, status, raw key...) for :class:`LoadTrendsOperator`.
    """

    template_fields = ("source", "region", "feed", "interval_start", "mode")

    def __init__(self, *, source: str, region: str, feed: str | None = None, interval_start: Any = None,
                 mode: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.region = region
        self.feed = feed
        self.interval_start = interval_start
        self.mode = mode

    def execute(self, context) -> dict:
        from acf import settings
        from acf.trends import pipeline
        from hooks.configured import trend_calls

        fetcher, signals = trend_calls(self.source, self.mode or settings.load().trends_mode, self.feed or None)
        payload = pipeline.fetch_raw(self.source, self.region, self.object_root,
                                     interval_start=interval_of(context, self.interval_start), fetcher=fetcher,
                                     feed=self.feed or None, signals=signals)
        self.log.info("%s/%s: %s (%s)", self.source, self.feed or self.region, payload.get("status"),
                      payload.get("origin"))
        return payload


def interval_of(context, given: Any = None) -> datetime:
    """The interval start: ``given``, else the run's data interval, else the 6-hour slot of the run."""
    if isinstance(given, datetime):
        return given
    if given:
        return datetime.fromisoformat(str(given))
    if context.get("data_interval_start") is not None and context.get("data_interval_end") is not None \
            and context["data_interval_end"] > context["data_interval_start"]:
        return context["data_interval_start"]
    return six_hour_slot(context["dag_run"].run_after)

