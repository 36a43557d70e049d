"""The score formula and the categoriser."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from acf.trends import categories, scoring


def test_weights_sum_to_one():
    assert math.isclose(sum(scoring.WEIGHTS.values()), 1.0)


def test_velocity_flat_rising_falling_and_new():
    v = scoring.velocity(np.array([100.0, 1000.0, 10.0, 500.0]), np.array([100.0, 100.0, 100.0, np.nan]))
    assert v[0] == 0.5
    assert v[1] > 0.5 > v[2]
    assert v[3] == scoring.NEW_TREND_VELOCITY
    # exact value of the documented formula
    assert math.isclose(v[1], 0.5 + 0.5 * math.tanh((math.log1p(1000) - math.log1p(100)) / 2))


def test_recency_halves_every_twelve_hours():
    r = scoring.recency(np.array([0.0, 12.0, 24.0, -5.0]))
    assert list(np.round(r, 6)) == [1.0, 0.5, 0.25, 1.0]


def test_engagement_is_ranked_within_each_source():
    source = pd.Series(["youtube", "youtube", "x", "x"])
    engagement = pd.Series([1_000_000.0, 10.0, 50.0, 5.0])
    pct = scoring.engagement_percentiles(source, engagement)
    assert list(pct) == [1.0, 0.5, 1.0, 0.5]  # tweets are not compared with views


def test_hand_computed_score():
    per_trend = pd.DataFrame({
        "engagement_sum": [1000.0], "engagement_pct": [0.8], "source_count": [2], "region_count": [3],
        "newest": [pd.Timestamp("2026-11-24T00:00Z")],
    }, index=["trend_a"])
    out = scoring.score_trends(per_trend, previous_engagement=pd.Series({"trend_a": 1000.0}), regions_in_batch=6,
                               sources_in_run=4, interval_end=pd.Timestamp("2026-11-24T12:00Z"))
    row = out.loc["trend_a"]
    expected = 0.30 * 0.5 + 0.25 * 0.8 + 0.20 * 0.5 + 0.15 * 0.5 + 0.10 * 0.5
    assert math.isclose(row["score"], expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e12), st.one_of(st.none(), st.floats(0, 1e12)), st.floats(0, 1),
                          st.integers(1, 4), st.integers(1, 6), st.floats(-48, 1000)), min_size=1, max_size=20))
def test_score_is_always_between_zero_and_one(rows):
    per_trend = pd.DataFrame({
        "engagement_sum": [r[0] for r in rows], "engagement_pct": [r[2] for r in rows],
        "source_count": [r[3] for r in rows], "region_count": [r[4] for r in rows],
        "newest": [pd.Timestamp("2026-11-24T12:00Z") - pd.Timedelta(hours=r[5]) for r in rows],
    }, index=[f"t{i}" for i in range(len(rows))])
    previous = pd.Series({f"t{i}": r[1] for i, r in enumerate(rows) if r[1] is not None}, dtype="float64")
    out = scoring.score_trends(per_trend, previous_engagement=previous, regions_in_batch=6, sources_in_run=4,
                               interval_end=pd.Timestamp("2026-11-24T12:00Z"))
    assert ((out["score"] >= 0) & (out["score"] <= 1)).all()
    for name in scoring.WEIGHTS:
        assert ((out[name] >= 0) & (out[name] <= 1)).all()


def test_youtube_category_wins_then_rules_then_default():
    assert categories.categorise(["10", "10", "24"], ["album"]) == ("music", 10, "youtube")
    assert categories.categorise([], ["gta", "trailer"], []) == ("gaming", 20, "rules")
    assert categories.categorise([], ["something"], ["r/soccer"]) == ("sports", 17, "rules")
    assert categories.categorise([None, "abc"], ["zzz"]) == ("general", None, "default")


def test_zero_engagement_is_no_signal():
    # a chart answered without statistics: every item 0, none of them the source's best
    source = pd.Series(["youtube", "youtube", "youtube", "x", "x", "x"])
    engagement = pd.Series([0.0, 0.0, 0.0, 50.0, 0.0, 5.0])
    pct = scoring.engagement_percentiles(source, engagement)
    assert list(pct) == [0.0, 0.0, 0.0, 1.0, 0.0, 0.5]  # zeros are ranked with nothing, not last
