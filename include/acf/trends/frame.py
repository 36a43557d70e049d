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
from acf.trends.terms import clean_term, rule_of, term_key

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


def joined_text(series: pd.Series) -> str:
    """The column's text values (missing ones left out) as one string, to scan once in C, not per row."""
    values = series.tolist()
    if not isinstance(series.dtype, pd.StringDtype) or series.hasnans:
        values = [v for v in values if isinstance(v, str)]
    return "\x1f".join(values)


def holds_surrogates(text: str) -> bool:
    """Whether ``text`` has a surrogate code point: exactly what strict UTF-8 cannot encode.

    ASCII text (the flag is O(1)) has none; encoding is several times faster than a regex scan.
    """
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def hashable_text(series: pd.Series, marker: str = "\ufffd") -> pd.Series:
    """``series`` with unpaired surrogates replaced by ``marker`` (UTF-8 hashing and GX need valid text).

    One C-level scan first; values are rewritten only in a column that has any.
    """
    if not holds_surrogates(joined_text(series)):
        return series
    return series.map(lambda v: _SURROGATES.sub(marker, v) if isinstance(v, str) else v)


def observation_keys(frame: pd.DataFrame) -> pd.Series:
    """Stable key per (source, region, source item, interval): a rerun maps to the same keys.

    ``obs_<interval hour, 7 hex><hash, 16 hex>``: the time prefix makes new keys land on the
    right-hand edge of the primary-key index (like UUIDv7), so a large load does not rewrite
    pages all over an index far bigger than memory.
    """
    parts = pd.DataFrame({name: hashable_text(frame[name].astype(str)) for name in ("source", "region", "source_item_id")})
    seconds = frame["interval_start"].dt.as_unit("s").astype("int64").to_numpy()  # unit-independent (ns, us, s)
    # The interval is hashed as its text, as a categorical: a batch has a handful of intervals, and
    # pandas hashes a categorical per category, which is what it does for a text column anyway.
    codes, intervals = pd.factorize(seconds)
    parts["interval"] = pd.Categorical.from_codes(codes, categories=[str(s) for s in intervals.tolist()])
    hashed = pd.util.hash_pandas_object(parts, index=False).to_numpy()
    hours = seconds // 3600
    if len(hours) and (hours.min() < 0 or hours.max() >= 16 ** 7):  # beyond 7 hex digits: as str.format does it
        keys = list(map("obs_{:07x}{:016x}".format, hours.tolist(), hashed.tolist()))
    else:
        keys = _key_text(hours, hashed)
    return pd.Series(keys, index=frame.index, dtype=object)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded lowercase hex of non-negative integers below 16**width: (n, width) ASCII codes."""
    shifts = np.arange(4 * (width - 1), -1, -4, dtype=np.uint64)
    return _HEX_DIGITS[(values.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)]


def _key_text(hours: np.ndarray, hashed: np.ndarray) -> list[str]:
    """``"obs_{:07x}{:016x}".format(hour, hash)`` for every row, built as one byte matrix (no call per row)."""
    text = np.empty((len(hours), 27), dtype=np.uint8)
    text[:, :4] = np.frombuffer(b"obs_", dtype=np.uint8)
    text[:, 4:11] = _hex_digits(hours, 7)
    text[:, 11:] = _hex_digits(hashed, 16)
    joined = text.tobytes().decode("ascii")
    return [joined[i:i + 27] for i in range(0, len(joined), 27)]


def _fill_terms(out: pd.DataFrame) -> pd.Series:
    """Derive the missing terms from titles (in ``out``); return every row's term key (None: no term).

    Both are computed once per distinct (source, title) pair, found by combining the codes of the
    two columns (not by concatenating and hashing their text again); rows that came with a term
    are keyed once per distinct term.
    """
    keys = np.full(len(out), None, dtype=object)
    given = out["term"].notna().to_numpy()
    missing = ~given & out["title"].notna().to_numpy()
    if missing.any():
        title_codes, titles = pd.factorize(out["title"].to_numpy(dtype=object)[missing])
        source_codes, sources = pd.factorize(out["source"].to_numpy(dtype=object)[missing])
        sources = np.append(np.asarray(sources, dtype=object), "")  # code -1 (missing source) picks ""
        pair_codes, pairs = pd.factorize(title_codes.astype(np.int64) * len(sources) + (source_codes % len(sources)))
        rules = [rule_of(source) for source in sources.tolist()]  # each source's term rule, looked up once
        terms = np.array([clean_term(titles[pair // len(sources)], rules[pair % len(sources)])
                          for pair in pairs.tolist()], dtype=object)
        out.loc[missing, "term"] = pd.Series(terms[pair_codes], index=out.index[missing], dtype=object)
        keys[missing] = np.array([term_key(term) for term in terms.tolist()], dtype=object)[pair_codes]
    if given.any():
        keys[given] = _per_unique(out["term"][given], term_key).to_numpy()
    return pd.Series(keys, index=out.index, dtype=object)


def normalise(frame: pd.DataFrame, interval_start: datetime) -> pd.DataFrame:
    """Add ``term`` (where missing), ``term_key``, ``interval_start``, ``observation_key``, JSON metrics."""
    out = frame.copy()
    for column in ("title", "term", "source_item_id", "url", "category", "language", "region", "source"):
        # Anything that is not text (a number, a list from a broken payload) becomes missing here,
        # and validation quarantines the row. Checked per row only when the column is not all text.
        if pd.api.types.infer_dtype(out[column], skipna=True) not in ("string", "empty"):
            out[column] = out[column].where(out[column].map(lambda v: isinstance(v, str)), None)
    out["term_key"] = _fill_terms(out)
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


def rows_at(frame: pd.DataFrame, positions: np.ndarray) -> list[pd.Series]:
    """The rows at ``positions``, each the Series ``frame.loc[label]`` gives (same values, same types).

    One take of the few rows first: a row lookup in the full frame costs far more than in a small one.
    """
    few = frame.iloc[positions]
    return [few.iloc[i] for i in range(len(few))]


def trend_id_for(key: str) -> str:
    return stable_id("trend", key)
