"""Normalisation: observations as one column-oriented table, with their keys.

Everything costly is computed once per *distinct* value (titles repeat across
regions and snapshots), then mapped back to the rows, so a million rows cost
what their distinct titles cost.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from acf.ids import stable_id
from acf.trends.models import TrendObservation
from acf.trends.terms import term_from_title, term_key

COLUMNS = (
    "source", "region", "term", "title", "url", "category", "metrics", "observed_at", "language",
    "source_item_id", "raw_key", "published_at", "engagement", "momentum",
)


def observations_frame(observations: Iterable[TrendObservation]) -> pd.DataFrame:
    rows = [
        (o.source, o.region, o.term, o.title, o.url, o.category, o.metrics, o.observed_at, o.language,
         o.source_item_id, o.raw_key, o.published_at, o.engagement, o.momentum)
        for o in observations
    ]
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))


def _per_unique(values: pd.Series, func) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(v) for v in uniques], dtype=object)
    out = np.full(len(values), None, dtype=object)
    present = codes >= 0
    out[present] = mapped[codes[present]]
    return pd.Series(out, index=values.index, dtype=object)


def _utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, errors="coerce")


def _metrics_json(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value if isinstance(value, dict) else {}, ensure_ascii=False, separators=(",", ":"))


_SURROGATES = re.compile("[\ud800-\udfff]")


def hashable_text(series: pd.Series, marker: str = "\ufffd") -> pd.Series:
    """``series`` with unpaired surrogates replaced by ``marker`` (UTF-8 hashing and GX need valid text).

    One C-level scan first; values are rewritten only in a column that has any.
    """
    values = series.dropna()
    if not len(values) or _SURROGATES.search("\x1f".join(values.astype(str).tolist())) is None:
        return series
    return series.map(lambda v: _SURROGATES.sub(marker, v) if isinstance(v, str) else v)


def observation_keys(frame: pd.DataFrame) -> pd.Series:
    """Stable key per (source, region, source item, interval): a rerun maps to the same keys.

    ``obs_<interval hour, 7 hex><hash, 16 hex>``: the time prefix makes new keys land on the
    right-hand edge of the primary-key index (like UUIDv7), so a large load does not rewrite
    pages all over an index far bigger than memory.
    """
    parts = pd.DataFrame({name: hashable_text(frame[name].astype(str)) for name in ("source", "region", "source_item_id")})
    seconds = frame["interval_start"].dt.as_unit("s").astype("int64")  # unit-independent (ns, us, s)
    parts["interval"] = seconds.astype(str)
    hashed = pd.util.hash_pandas_object(parts, index=False).to_numpy()
    hours = (seconds.to_numpy() // 3600).tolist()
    return pd.Series(list(map("obs_{:07x}{:016x}".format, hours, hashed.tolist())), index=frame.index, dtype=object)


def normalise(frame: pd.DataFrame, interval_start: datetime) -> pd.DataFrame:
    """Add ``term`` (where missing), ``term_key``, ``interval_start``, ``observation_key``, JSON metrics."""
    out = frame.copy()
    for column in ("title", "term", "source_item_id", "url", "category", "language", "region", "source"):
        # Anything that is not text (a number, a list from a broken payload) becomes missing here,
        # and validation quarantines the row. Checked per row only when the column is not all text.
        if pd.api.types.infer_dtype(out[column], skipna=True) not in ("string", "empty"):
            out[column] = out[column].where(out[column].map(lambda v: isinstance(v, str)), None)
    missing_term = out["term"].isna() & out["title"].notna()
    if missing_term.any():
        pairs = out.loc[missing_term, "source"].fillna("") + "\x1f" + out.loc[missing_term, "title"]
        out.loc[missing_term, "term"] = _per_unique(
            pairs, lambda p: term_from_title(p.split("\x1f", 1)[1], p.split("\x1f", 1)[0]))
    out["term_key"] = _per_unique(out["term"], term_key)
    out["observed_at"] = _utc(out["observed_at"])
    out["published_at"] = _utc(out["published_at"])
    out["engagement"] = pd.to_numeric(out["engagement"], errors="coerce")
    if "interval_start" in out.columns:  # a batch spanning several intervals carries its own
        out["interval_start"] = _utc(out["interval_start"])
    else:
        stamp = pd.Timestamp(interval_start)
        out["interval_start"] = stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")
    if pd.api.types.infer_dtype(out["metrics"], skipna=False) != "string":
        out["metrics"] = out["metrics"].map(_metrics_json)
    out["observation_key"] = observation_keys(out)
    return out


def trend_id_for(key: str) -> str:
    return stable_id("trend", key)
