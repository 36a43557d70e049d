"""Is a service configured? The one place a service name becomes its hook.

The service registry (:mod:`acf.services`) says which hook class serves each name;
this module imports that class and builds the hook only where its Connection
exists, so a tier chain skips a provider without one and a DAG replays the sample
for a trend source without one. The domain (``include/acf``) never imports hooks:
the tasks hand it the callables below.
"""
from __future__ import annotations

import importlib
import logging
import warnings
from typing import Any, TypeVar

from airflow.sdk.exceptions import AirflowNotFoundException

from acf import services

H = TypeVar("H")
log = logging.getLogger(__name__)


def configured(hook_class: type[H], conn_id: str | None = None, legacy_conn_ids: tuple[str, ...] = ()) -> H | None:
    """``hook_class(conn_id)`` when that Connection exists, else None.

    Without an explicit ``conn_id``, a Connection under one of ``legacy_conn_ids`` (the
    default ids before the project's ``acf_`` prefix) is still read, with a deprecation warning.
    """
    for candidate in (conn_id or hook_class.default_conn_name, *(() if conn_id else legacy_conn_ids)):
        hook = hook_class(candidate)
        try:
            hook.connection
        except AirflowNotFoundException:
            continue
        if candidate != (conn_id or hook_class.default_conn_name):
            message = (f"Connection {candidate!r} is read under its old id; rename it to"
                       f" {hook_class.default_conn_name!r} (conn type {hook_class.conn_type!r})")
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            log.warning(message)
        return hook
    return None


def hook_class(service: services.Service) -> type:
    module, _, name = service.hook_class.rpartition(".")
    return getattr(importlib.import_module(module), name)


def hook(kind: str, name: str) -> Any:
    """The hook of service ``name`` of ``kind`` when its Connection exists; None when it has no
    Connection or no such service is registered (``local``, ``outbox``)."""
    service = services.find(kind, name)
    if service is None:
        return None
    return configured(hook_class(service), legacy_conn_ids=service.legacy_conn_ids)


def text_provider(name: str) -> Any:
    """A tier chain's text provider by name (``TextGenerator(resolver=...)``), or None."""
    found = hook("text", name)
    return found.text_provider() if found is not None else None


def media_client(modality: str, name: str) -> Any:
    """An image client (``generate_image``) or voice client (``synthesize``) by name, or None."""
    return hook(modality, name)


def platform_uploader(root: Any, **options: Any):
    """``platform -> Uploader | None``: the platform's uploader where its Connection exists, built with
    ``options`` (``on_wait="return"``: one look at a post still processing instead of polling)."""
    def uploader(platform: str):
        found = hook("platform", platform)
        return found.uploader(root, **_accepted(found.uploader, options)) if found is not None else None

    return uploader


def _accepted(method: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The options ``method`` takes: an extension's older ``uploader(root)`` still works (it polls itself)."""
    import inspect

    params = inspect.signature(method).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return options
    names = {p.name for p in params}
    return {k: v for k, v in options.items() if k in names}


def platform_hooks() -> dict[str, Any]:
    """Every platform whose publishing Connection exists: ``{platform: hook}``."""
    found = {name: hook("platform", name) for name in services.names("platform")}
    return {name: h for name, h in found.items() if h is not None}


# A trend source's live calls. acf_trends and FetchTrendsOperator both read them here.
LIVE_MISSING = object()


def trend_hook(source: str, mode: str) -> Any:
    """The live hook for ``source``; None to replay the bundled sample; LIVE_MISSING when live is
    demanded (``ACF_TRENDS_MODE=live``) but its Connection does not exist."""
    if mode == "offline":
        return None
    found = hook("trend_source", source)
    if found is None and mode == "live":
        return LIVE_MISSING
    return found


def trend_calls(source: str, mode: str, feed: str | None = None):
    """(fetcher, signals) of the live hook for ``source``: each None to replay the bundled sample."""
    found = trend_hook(source, mode)
    if found is None:
        return None, None
    if found is LIVE_MISSING:
        return _live_or_missing(found, source, None), None
    if feed:
        return (lambda region: found.fetch_feed(feed)), None
    return found.fetch_trending, getattr(found, "fetch_signals", None)


def evidence_calls(mode: str):
    """The calls that read more evidence for the top trends (acf.trends.more_evidence.EvidenceCalls):
    Reddit's comments and X's recent search from their live hooks; the sample's where a source replays it."""
    from acf.trends.more_evidence import EvidenceCalls, Limits

    reddit, x = trend_hook("reddit", mode), trend_hook("x", mode)
    limits = {**(reddit.evidence_limits() if reddit not in (None, LIVE_MISSING) else {}),
              **(x.evidence_limits() if x not in (None, LIVE_MISSING) else {})}
    return EvidenceCalls(comments=_live_or_missing(reddit, "reddit", lambda h: h.comments_raw),
                         posts=_live_or_missing(x, "x", lambda h: h.search_recent_raw), limits=Limits(**limits))


def discovery_calls(mode: str):
    """YouTube's search and videos calls for discovery by search (acf.trends.discovery.SearchCalls), with the
    Connection's daily search budget; the sample's (no budget spent) when YouTube replays it."""
    from acf.trends.discovery import Budget, SearchCalls

    found = trend_hook("youtube", mode)
    if found is None:
        return SearchCalls()
    if found is LIVE_MISSING:
        missing = _live_or_missing(found, "youtube", None)
        return SearchCalls(search=missing, videos=missing, budget=None)
    settings = found.discovery()
    return SearchCalls(search=found.search_raw, videos=found.videos_raw, terms=settings["terms"],
                       budget=Budget(per_day=settings["budget"], account=settings["account"]))


def _live_or_missing(found: Any, source: str, call):
    """The live hook's call, None to replay the sample, or (live mode without a Connection) a call that
    says which Connection is missing."""
    if found is None:
        return None
    if found is LIVE_MISSING:
        from acf.trends.pipeline import SourceUnavailable

        declared = services.find("trend_source", source)
        wanted = f"Connection {declared.conn_id!r}" if declared else "a registered live hook"

        def missing(*args: Any, **kwargs: Any) -> bytes:
            raise SourceUnavailable(f"ACF_TRENDS_MODE=live but {source!r} has no {wanted}")

        return missing
    return call(found)


def metric_fetchers() -> dict[str, Any]:
    """A real metrics fetcher per platform whose publishing Connection exists (acf_analytics, CollectMetricsOperator)."""
    from acf.analytics.platform_metrics import fetcher_from_hook

    return {platform: fetcher_from_hook(platform, found) for platform, found in platform_hooks().items()}
