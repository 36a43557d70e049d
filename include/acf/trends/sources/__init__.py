"""Trend sources: what each source does differently, one :class:`TrendSource` per source, and the registry.

Everything in ``acf.trends`` asks the registry instead of naming a source. The built-in
sources are the modules of this package that define ``SOURCE`` (``youtube.py``,
``google_trends.py``, ``x.py``, ``reddit.py``); helper modules such as ``fields.py``
define none. An installed package adds a source by declaring ``TREND_SOURCES`` in its
``acf.extensions`` entry point (see :mod:`acf.extensions`).

A new source needs: an item locator and an item parser (the readers of
:mod:`acf.trends.sources.fields` say why an item is refused), sample answers shaped like
the API's, one ``<region>.json`` per region (recorded around
``acf.trends.offline.SAMPLE_ANCHOR``), and, for live fetching, a hook the DAG knows.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from acf import extensions
from acf.trends.models import TrendObservation
from acf.trends.signals import Signal

# The built-in sources' sample answers: sample/<source>/<region>.json.
SAMPLE_ROOT = Path(__file__).resolve().parents[1] / "sample"
CATEGORY_KINDS = ("category_id", "community", None)
# A name becomes part of object-store keys, quarantine rows and the DAG's params.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class UnknownSource(LookupError):
    """No trend source of that name is registered."""


@dataclass(frozen=True)
class TrendSource:
    """One trend source: how its answers are read, replayed offline, enriched and categorised."""

    name: str
    # The payload's JSON document -> its list of items; raises (TypeError, KeyError, ...) when the
    # document is not this API's shape at all, which rejects the whole payload.
    items: Callable[[Any], list]
    # (item, region, observed_at) -> TrendObservation; raises ItemError (or a ValueError, TypeError,
    # KeyError ...) for an item it cannot read, which rejects that item with the message as reason.
    parse: Callable[[Any, str, datetime], TrendObservation]
    # The payload's text (Google's ")]}'," prefix trimmed) -> its document; raises ValueError when the
    # body is not this API's at all. None: the text is JSON.
    decode: Callable[[str], Any] | None = None
    # Where the sample answers are (<region>.json or <region>.xml); None: sample/<name>/ beside the built-ins'.
    sample_dir: Path | None = None
    # Moves the sample document's own timestamps by the delta from SAMPLE_ANCHOR to the replay time, in
    # place; an XML sample arrives as its text and the shifted text is returned.
    shift_sample: Callable[[Any, timedelta], None] | None = None
    # Candidate-term signal fetched beside the trending list (X counts, Google Trends interest), and
    # the answer (names, observed_at) -> bytes replayed in its place offline.
    signal: Signal | None = None
    sample_signal: Callable[[list[str], datetime], bytes] | None = None
    # What this source's titles need before the shared clean-up into a term (acf.trends.terms).
    term_rule: Callable[[str], str] | None = None
    # What the observation's ``category`` holds: "category_id", a YouTube video category id (the
    # majority of a trend's ids decides its category); "community", a community name such as
    # r/gaming (given to the category rules); None: nothing categorisation uses.
    category_kind: str | None = None
    # Named feeds listed once per run besides the per-region list (Reddit's subreddits): the run's
    # feed names -> the ones to fetch (raises ValueError naming those the source would refuse), and
    # (feed, observed_at) -> the sample answer for a feed.
    feed_names: Callable[[Iterable[str]], list[str]] | None = None
    sample_feed: Callable[[str, datetime], bytes] | None = None
    # What the research brief may say from this source: (the trend's stored observation rows, as dicts
    # with title, url, region, metrics, observed_at, published_at; the Trend) -> acf.content_models.Fact
    # list (fact_id left empty; the brief numbers, ranks and filters them). None: the brief's own rules
    # for the built-in sources, and for any other each item's title as a quote from the source.
    facts: Callable[[list[dict], Any], list] | None = None
    # What an item says about its trend, kept in acf.trend_evidence at load time: (the observation as a dict
    # with title, url, metrics, published_at, source_item_id) -> acf.trends.evidence.Evidence list (a news
    # item, a post, a video; built with evidence.make, which bounds the sizes). None: the items say nothing
    # beyond their names (X's trend list).
    evidence: Callable[[dict], list] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"trend source name {self.name!r}: lowercase letters, digits and _, "
                             "starting with a letter, at most 40 characters")
        if self.category_kind not in CATEGORY_KINDS:
            raise ValueError(f"trend source {self.name!r}: category_kind must be one of {CATEGORY_KINDS}")
        if self.sample_signal is not None and self.signal is None:
            raise ValueError(f"trend source {self.name!r}: sample_signal without a signal")
        if self.sample_feed is not None and self.feed_names is None:
            raise ValueError(f"trend source {self.name!r}: sample_feed without feed_names")

    @property
    def samples(self) -> Path:
        """The folder of this source's sample answers."""
        return self.sample_dir if self.sample_dir is not None else SAMPLE_ROOT / self.name

    @property
    def has_feeds(self) -> bool:
        return self.feed_names is not None


def registered() -> Mapping[str, TrendSource]:
    """Every trend source by name (read only): the built-ins, then those the installed extensions declare."""
    return MappingProxyType(_current())


def get(name: str) -> TrendSource:
    table = _current()
    if name not in table:
        raise UnknownSource(f"unknown trend source {name!r}; registered: {', '.join(table)}"
                            " (an installed package adds one with TREND_SOURCES in its acf.extensions entry point)")
    return table[name]


def names() -> list[str]:
    """The registered sources' names: the values ACF_TREND_SOURCES and the DAG's ``sources`` may hold."""
    return list(_current())


def _current() -> dict[str, TrendSource]:
    # Asked once per term and per payload, so the table is built once per set of extension sources.
    return _table(tuple(map(_checked, extensions.declared("TREND_SOURCES"))))


@cache
def _builtins() -> tuple[TrendSource, ...]:
    modules = (importlib.import_module(f"{__name__}.{found.name}") for found in pkgutil.iter_modules(__path__))
    return tuple(module.SOURCE for module in modules if hasattr(module, "SOURCE"))


@lru_cache(maxsize=16)
def _table(extension_sources: tuple[TrendSource, ...]) -> dict[str, TrendSource]:
    table: dict[str, TrendSource] = {}
    for source in (*_builtins(), *extension_sources):
        if source.name in table:
            raise extensions.ExtensionError(f"trend source {source.name!r} is declared twice")
        table[source.name] = source
    return table


def _checked(declared: Any) -> TrendSource:
    """A declared TrendSource; a ``{name: source}`` declaration arrives as (name, source) pairs."""
    if isinstance(declared, tuple) and len(declared) == 2:
        key, declared = declared
        if isinstance(declared, TrendSource) and key != declared.name:
            raise extensions.ExtensionError(f"TREND_SOURCES names {key!r} a trend source called {declared.name!r}")
    if not isinstance(declared, TrendSource):
        raise extensions.ExtensionError(f"TREND_SOURCES holds a {type(declared).__name__}, not a TrendSource")
    return declared
