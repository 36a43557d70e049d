"""Validation of normalised observations with great-expectations (used directly, GX 1.24+).

Each rule exists twice, on purpose: as a GX expectation (the contract, reported
by GX) and as the same check vectorised in pandas. ``mode="full"`` (the DAG:
small batches) lets GX decide which rows fail and quarantines exactly those.
``mode="sample"`` (the million-row benchmark) applies the vectorised checks to
every row and runs the GX suite on a random sample of each batch (in a
background thread with :func:`validate_deferred`); if GX flags a
sampled row the pandas checks passed, :class:`ValidationDrift` is raised, so
the two can never silently disagree.

great_expectations is imported inside functions: it takes seconds to import.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from acf.trends import sources
from acf.trends.frame import holds_surrogates, joined_text

MAX_TITLE_CHARS = 5_000      # far above any source's own limit (YouTube 100, Reddit 300)
MAX_TERM_CHARS = 120
MAX_ITEM_ID_CHARS = 512
MAX_ENGAGEMENT = 1e13
URL_REGEX = r"^https?://[^\s]+$"
REGION_REGEX = r"^[A-Z]{2}$"
LANGUAGE_REGEX = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$"
# Text PostgreSQL cannot store: NUL, and unpaired UTF-16 surrogates (a JSON "\\ud800" escape).
UNSTORABLE_REGEX = "[\x00\ud800-\udfff]"


class ValidationDrift(RuntimeError):
    """GX and the vectorised checks disagree about a row: a rule was changed in one place only."""


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    column: str
    expectation: str          # GX expectation class name
    kwargs: tuple             # its keyword arguments (besides column)


RULES: tuple[Rule, ...] = (
    Rule("source_present", "source is missing", "source", "ExpectColumnValuesToNotBeNull", ()),
    Rule("region_present", "region is missing", "region", "ExpectColumnValuesToNotBeNull", ()),
    Rule("engagement_present", "engagement is missing or not a number", "engagement",
         "ExpectColumnValuesToNotBeNull", ()),
    # Which sources are known is the registry's answer at validation time: see rules().
    Rule("source_known", "source is not a registered trend source", "source", "ExpectColumnValuesToBeInSet", ()),
    Rule("region_code", "region is not an ISO 3166 alpha-2 code", "region",
         "ExpectColumnValuesToMatchRegex", (("regex", REGION_REGEX),)),
    Rule("term_present", "term is missing", "term", "ExpectColumnValuesToNotBeNull", ()),
    Rule("term_length", f"term is empty or longer than {MAX_TERM_CHARS} characters", "term",
         "ExpectColumnValueLengthsToBeBetween", (("min_value", 1), ("max_value", MAX_TERM_CHARS))),
    Rule("title_present", "title is missing", "title", "ExpectColumnValuesToNotBeNull", ()),
    Rule("title_length", f"title is empty or longer than {MAX_TITLE_CHARS} characters", "title",
         "ExpectColumnValueLengthsToBeBetween", (("min_value", 1), ("max_value", MAX_TITLE_CHARS))),
    Rule("title_storable", "title contains a NUL character or an unpaired surrogate", "title",
         "ExpectColumnValuesToNotMatchRegex", (("regex", UNSTORABLE_REGEX),)),
    Rule("item_id_length", f"source item id is empty or longer than {MAX_ITEM_ID_CHARS} characters",
         "source_item_id", "ExpectColumnValueLengthsToBeBetween", (("min_value", 1), ("max_value", MAX_ITEM_ID_CHARS))),
    Rule("item_id_storable", "source item id contains a NUL character or an unpaired surrogate", "source_item_id",
         "ExpectColumnValuesToNotMatchRegex", (("regex", UNSTORABLE_REGEX),)),
    Rule("category_storable", "category contains a NUL character or an unpaired surrogate", "category",
         "ExpectColumnValuesToNotMatchRegex", (("regex", UNSTORABLE_REGEX),)),
    Rule("url_storable", "url contains a NUL character or an unpaired surrogate", "url",
         "ExpectColumnValuesToNotMatchRegex", (("regex", UNSTORABLE_REGEX),)),
    Rule("url_http", "url is not an http(s) URL", "url",
         "ExpectColumnValuesToMatchRegex", (("regex", URL_REGEX),)),
    Rule("engagement_range", f"engagement is negative or above {MAX_ENGAGEMENT:.0e}", "engagement",
         "ExpectColumnValuesToBeBetween", (("min_value", 0), ("max_value", MAX_ENGAGEMENT))),
    Rule("observed_at_present", "observed_at is missing", "observed_at", "ExpectColumnValuesToNotBeNull", ()),
    Rule("language_tag", "language is not a language tag", "language",
         "ExpectColumnValuesToMatchRegex", (("regex", LANGUAGE_REGEX),)),
)


def rules() -> tuple[Rule, ...]:
    """RULES with the registered sources (an installed extension adds one) as the known ones."""
    return _rules_for(tuple(sources.names()))


@lru_cache(maxsize=16)
def _rules_for(known: tuple[str, ...]) -> tuple[Rule, ...]:
    return tuple(replace(rule, reason="source is not one of " + ", ".join(known), kwargs=(("value_set", list(known)),))
                 if rule.name == "source_known" else rule for rule in RULES)


# --- vectorised checks (pandas), one per rule -------------------------------------------------
def _strlen(series: pd.Series) -> pd.Series:
    return series.str.len()


class _Column:
    """What several rules ask of one column (missing values, distinct values), each one pass, once."""

    def __init__(self, series: pd.Series) -> None:
        self.series = series

    @cached_property
    def notna(self) -> np.ndarray:
        return self.series.notna().to_numpy()

    @cached_property
    def factorized(self) -> tuple[np.ndarray, Any]:
        return pd.factorize(self.series)

    @cached_property
    def all_text(self) -> bool:
        """Every value present is a str (so ``len`` and a joined scan see just what ``.str`` sees)."""
        return isinstance(self.series.dtype, pd.StringDtype) or \
            pd.api.types.infer_dtype(self.series, skipna=True) in ("string", "empty")

    @cached_property
    def joined(self) -> str:
        if self.all_text:
            return joined_text(self.series)
        return "\x1f".join(self.series.dropna().astype(str).tolist())

    def lengths(self) -> np.ndarray:
        """Text lengths as float64, NaN where missing."""
        if not self.all_text:
            return _strlen(self.series).to_numpy(dtype="float64", na_value=np.nan)
        lengths = np.full(len(self.series), np.nan)
        lengths[self.notna] = np.fromiter(map(len, self.series.to_numpy(dtype=object)[self.notna]), dtype=np.int64)
        return lengths


def _may_match(regex: str, text: str) -> bool:
    if regex == UNSTORABLE_REGEX:  # the same question, answered without a regex scan
        return "\x00" in text or holds_surrogates(text)
    return re.search(regex, text) is not None


def _vector_failures(rule: Rule, frame: pd.DataFrame, columns: dict[str, _Column] | None = None) -> np.ndarray:
    """Which rows fail ``rule``. ``columns`` shares per-column work between the rules of one frame."""
    column = (columns if columns is not None else {}).setdefault(rule.column, _Column(frame[rule.column]))
    col = column.series
    kw = dict(rule.kwargs)
    if rule.expectation == "ExpectColumnValuesToNotMatchRegex":
        # Forbidden characters are rare: one C-level scan of the whole column first.
        if not column.notna.any() or not _may_match(kw["regex"], column.joined):
            return np.zeros(len(col), dtype=bool)
    if rule.expectation in ("ExpectColumnValuesToMatchRegex", "ExpectColumnValuesToBeInSet"):
        # Checked once per distinct value (regions, languages, sources repeat a lot).
        codes, uniques = column.factorized
        if len(uniques) < len(col) // 2:
            failed_unique = _vector_failures(rule, pd.DataFrame({rule.column: pd.Series(uniques, dtype=object)}))
            return np.where(codes >= 0, np.append(failed_unique, False)[codes], False)
    notna = column.notna
    if rule.expectation == "ExpectColumnValuesToNotBeNull":
        return ~notna
    if rule.expectation == "ExpectColumnValuesToBeInSet":
        return notna & ~col.isin(kw["value_set"]).to_numpy()
    if rule.expectation == "ExpectColumnValueLengthsToBeBetween":
        lengths = column.lengths()
        return notna & ((lengths < kw["min_value"]) | (lengths > kw["max_value"]))
    if rule.expectation == "ExpectColumnValuesToMatchRegex":
        matched = col.str.contains(kw["regex"], regex=True, na=True).to_numpy(dtype=bool)
        return notna & ~matched
    if rule.expectation == "ExpectColumnValuesToNotMatchRegex":
        return notna & col.str.contains(kw["regex"], regex=True, na=False).to_numpy(dtype=bool)
    if rule.expectation == "ExpectColumnValuesToBeBetween":
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return notna & ~((values >= kw["min_value"]) & (values <= kw["max_value"]))
    raise ValueError(f"no vectorised check for {rule.expectation}")


def vector_reasons(frame: pd.DataFrame) -> pd.Series:
    """Per row: '; '-joined reasons it fails, or None (every row, no GX)."""
    reasons = np.full(len(frame), None, dtype=object)
    columns: dict[str, _Column] = {}
    for rule in rules():
        failed = np.flatnonzero(_vector_failures(rule, frame, columns))
        for position in failed:
            reasons[position] = rule.reason if reasons[position] is None else f"{reasons[position]}; {rule.reason}"
    return pd.Series(reasons, index=frame.index)


# --- great-expectations -----------------------------------------------------------------------
_GX_CACHE: dict[tuple[str, ...], tuple] = {}  # known sources -> (batch definition, suite, its context)


def _gx_suite():
    """An ephemeral GX context with the observation suite (built once per process and set of sources)."""
    known = tuple(sources.names())
    if known not in _GX_CACHE:
        import logging

        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        context = gx.get_context(mode="ephemeral")
        try:
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        except Exception:  # older/newer config shapes: progress bars are cosmetic
            pass
        source = context.data_sources.add_pandas("acf_trends")
        asset = source.add_dataframe_asset("trend_observations")
        batch_definition = asset.add_batch_definition_whole_dataframe("batch")
        suite = gx.ExpectationSuite(name="trend_observations")
        for rule in _rules_for(known):
            expectation_type = getattr(gx.expectations, rule.expectation)
            suite.add_expectation(expectation_type(column=rule.column, meta={"rule": rule.name}, **dict(rule.kwargs)))
        _GX_CACHE[known] = (batch_definition, context.suites.add(suite), context)
    return _GX_CACHE[known][:2]


def gx_reasons(frame: pd.DataFrame) -> pd.Series:
    """Per row: the reasons GX reports it fails, or None. Index of ``frame`` is kept."""
    from acf.trends.frame import hashable_text

    batch_definition, suite = _gx_suite()
    positional = frame.reset_index(drop=True)
    # GX hashes the frame as UTF-8; an unpaired surrogate is shown to it as NUL, which the same
    # "unstorable text" rules reject, so GX still judges the row exactly as the vectorised checks do.
    for name in positional.columns:
        if positional[name].dtype == object or pd.api.types.is_string_dtype(positional[name]):
            positional[name] = hashable_text(positional[name], marker="\x00")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": positional})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    by_name = {rule.name: rule for rule in rules()}
    reasons = np.full(len(positional), None, dtype=object)
    for outcome in result.results:
        exception = outcome.exception_info or {}
        raised = exception.get("raised_exception") if isinstance(exception, dict) else False
        rule = by_name[outcome.expectation_config.meta["rule"]]
        if raised:
            raise RuntimeError(f"GX could not evaluate {rule.name}: {exception.get('exception_message')}")
        for position in outcome.result.get("unexpected_index_list") or []:
            position = int(position if not isinstance(position, dict) else position.get("index"))
            reasons[position] = rule.reason if reasons[position] is None else f"{reasons[position]}; {rule.reason}"
    return pd.Series(reasons, index=frame.index)


def _check_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = [rule.column for rule in rules()]
    return frame[list(dict.fromkeys(names))]


def _drift_check(checked: pd.DataFrame, reasons: pd.Series, sample: pd.DataFrame) -> None:
    gx_sample = gx_reasons(sample)
    drift = gx_sample.notna() & reasons.loc[sample.index].isna()
    if drift.any():
        row = sample.loc[drift].iloc[0].to_dict()
        raise ValidationDrift(f"GX rejects a row the vectorised checks accept ({gx_sample[drift].iloc[0]}): {row}")


_GX_LOCK = threading.Lock()


class DeferredCheck:
    """The GX cross-check of a sample, in a background thread from ``start()`` until it is called.

    GX is Python work: run beside the caller's own Python work it slows both (one GIL), so the
    caller starts it where it mostly waits on PostgreSQL (such a wait releases the GIL).
    """

    def __init__(self, checked: pd.DataFrame, reasons: pd.Series, sample: pd.DataFrame) -> None:
        self._error: BaseException | None = None
        self._started = False
        self._worker = threading.Thread(target=self._run, args=(checked, reasons, sample),
                                        name="gx-sample-check", daemon=True)

    def _run(self, checked: pd.DataFrame, reasons: pd.Series, sample: pd.DataFrame) -> None:
        try:
            with _GX_LOCK:
                _drift_check(checked, reasons, sample)
        except BaseException as exc:  # handed to the caller when it finishes the check
            self._error = exc

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._worker.start()

    def __call__(self) -> None:
        """Wait for GX (starting it if need be); raise ValidationDrift on a disagreement."""
        self.start()
        self._worker.join()
        if self._error is not None:
            raise self._error


def validate_deferred(frame: pd.DataFrame, *, sample_rows: int = 5_000, seed: int = 0, start: bool = True):
    """Sample mode with the GX cross-check in a background thread.

    Returns ``(reasons, finish)``: the vectorised reasons at once, and ``finish()``
    (a :class:`DeferredCheck`) to call before committing, which waits for GX and raises
    ValidationDrift on a disagreement. With ``start=False`` GX waits for ``finish.start()``,
    to be called where the caller waits on PostgreSQL, so the check costs almost nothing in
    wall time.
    """
    checked = _check_columns(frame)
    reasons = vector_reasons(checked)
    sample = checked.sample(n=min(sample_rows, len(checked)), random_state=seed).copy()
    finish = DeferredCheck(checked, reasons, sample)
    if start:
        finish.start()
    return reasons, finish


def validate(frame: pd.DataFrame, *, mode: str = "full", sample_rows: int = 5_000, seed: int = 0) -> pd.Series:
    """Reasons per row (None = valid). ``mode``: ``full`` (GX on every row) or ``sample``."""
    if frame.empty:
        return pd.Series([], dtype=object, index=frame.index)
    checked = _check_columns(frame)
    if mode == "full":
        with _GX_LOCK:
            return gx_reasons(checked)
    if mode != "sample":
        raise ValueError(f"mode must be 'full' or 'sample', not {mode!r}")
    reasons = vector_reasons(checked)
    with _GX_LOCK:
        _drift_check(checked, reasons, checked.sample(n=min(sample_rows, len(checked)), random_state=seed))
    return reasons
