"""The trend score: a weighted sum of five components, each in 0..1, stored per trend.

    score = 0.30 * velocity + 0.25 * engagement + 0.20 * breadth
          + 0.15 * regional_spread + 0.10 * recency

- velocity: change of the trend's engagement against its previous interval,
  ``0.5 + 0.5 * tanh((ln(1 + now) - ln(1 + before)) / 2)``: 0.5 is flat, towards
  1 rising, towards 0 falling. A trend with no earlier interval takes the same
  curve over its sources' own momentum where a signal gives one (X recent counts,
  Google Trends interest: ``acf.trends.signals``; the strongest of its
  observations), else ``NEW_TREND_VELOCITY`` (new is mildly rising, not maximal:
  engagement on different sources is not comparable enough to call a first
  sighting a spike).
- engagement: the best percentile rank of the trend's observations among all
  observations *of the same source* in the batch (views are compared with views,
  tweet counts with tweet counts). Engagement 0 is no signal (a chart answered
  without statistics, a list without traffic): such an observation scores 0 and is
  not ranked, else a source of zeros would tie every item at the top, 1.0. The
  stored components say which: ``engagement_from`` is ``source_rank`` or
  ``no_engagement_signal``.
- breadth: distinct sources that carry it / the sources asked for in the run (an
  unavailable one included: a trend is no broader because a source failed), so a
  source registered but not enabled changes no score. ``ingest_frame`` given no
  ``sources_in_scope`` (the benchmark) divides by the distinct sources of its batch.
- regional_spread: distinct regions it appears in / regions in the batch.
- recency: ``0.5 ** (age_hours / 12)`` of its newest item (publish time where the
  source gives one, else the time it was observed) at the end of the interval.

Weights sum to 1, every component is clipped to 0..1, so the score is in 0..1.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


WEIGHTS = {"velocity": 0.30, "engagement": 0.25, "breadth": 0.20, "regional_spread": 0.15, "recency": 0.10}
NEW_TREND_VELOCITY = 0.6
RECENCY_HALF_LIFE_HOURS = 12.0
assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-9


def velocity(now: np.ndarray, before: np.ndarray, momentum: np.ndarray | None = None) -> np.ndarray:
    """Vectorised velocity; ``before`` NaN means no earlier interval, ``momentum`` NaN no source signal."""
    now = np.asarray(now, dtype="float64")
    before = np.asarray(before, dtype="float64")
    growth = np.log1p(np.clip(now, 0, None)) - np.log1p(np.clip(np.nan_to_num(before), 0, None))
    value = 0.5 + 0.5 * np.tanh(growth / 2.0)
    first = np.full(len(now), NEW_TREND_VELOCITY)
    if momentum is not None:
        momentum = np.asarray(momentum, dtype="float64")
        first = np.where(np.isnan(momentum), first, 0.5 + 0.5 * np.tanh(np.nan_to_num(momentum) / 2.0))
    return np.where(np.isnan(before), first, value)


def recency(age_hours: np.ndarray) -> np.ndarray:
    return np.power(0.5, np.clip(np.asarray(age_hours, dtype="float64"), 0, None) / RECENCY_HALF_LIFE_HOURS)


def engagement_percentiles(source: pd.Series, engagement: pd.Series) -> pd.Series:
    """Percentile rank (0..1] of each observation's engagement among its source's observations that have
    one; 0 for engagement 0 (or missing), which is no signal rather than the lowest rank."""
    signal = engagement.where(engagement > 0)  # NaN is left out of the ranks and of their count
    return signal.groupby(source, sort=False).rank(pct=True, method="max").fillna(0.0)


def combine(components: pd.DataFrame) -> pd.Series:
    """Weighted sum of the component columns (each clipped to 0..1)."""
    total = np.zeros(len(components))
    for name, weight in WEIGHTS.items():
        total += weight * np.clip(components[name].to_numpy(dtype="float64"), 0.0, 1.0)
    return pd.Series(np.clip(total, 0.0, 1.0), index=components.index)


def score_trends(
    per_trend: pd.DataFrame,
    *,
    previous_engagement: pd.Series,
    regions_in_batch: int,
    sources_in_run: int,
    interval_end: pd.Timestamp,
) -> pd.DataFrame:
    """Add the five components and ``score`` to ``per_trend``.

    ``per_trend`` is indexed by trend_id with columns ``engagement_sum``,
    ``engagement_pct``, ``source_count``, ``region_count``, ``newest`` (timestamp), and
    optionally ``momentum`` (NaN where no source signal).
    ``previous_engagement`` is indexed by trend_id (missing = new trend). ``regions_in_batch``
    and ``sources_in_run`` are what regional spread and breadth divide by.
    """
    out = per_trend.copy()
    before = previous_engagement.reindex(out.index).to_numpy(dtype="float64")
    momentum = out["momentum"].to_numpy(dtype="float64") if "momentum" in out else None
    out["velocity"] = velocity(out["engagement_sum"].to_numpy(), before, momentum)
    out["engagement"] = out["engagement_pct"].clip(0, 1)
    out["breadth"] = (out["source_count"] / max(sources_in_run, 1)).clip(0, 1)
    out["regional_spread"] = (out["region_count"] / max(regions_in_batch, 1)).clip(0, 1)
    age = (interval_end - out["newest"]).dt.total_seconds().to_numpy(dtype="float64") / 3600.0
    out["recency"] = recency(np.nan_to_num(age, nan=24 * 7))
    out["score"] = combine(out)
    return out
