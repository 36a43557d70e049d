"""Per-platform metrics fetchers.

A fetcher measures a batch of posts on one platform::

    class MetricsFetcher(Protocol):
        platform: str
        simulated: bool
        def fetch(self, posts, observed_at) -> list[MetricSample]: ...

Posts it does not return are recorded as skipped with a reason (never silently
dropped). ``SimulatedFetcher`` serves the offline tier. ``HookMetricsFetcher``
adapts a platform hook that offers ``fetch_post_metrics(external_ids) -> {id: raw}``
and maps each platform's wire fields with :func:`normalise`, by the platform's
``metrics_fields`` rule (platform_rules.yaml).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from acf import platform_rules
from acf.analytics.models import MetricSample, PublishedPost
from acf.analytics.simulated import simulate


class MetricsFetchError(RuntimeError):
    """A platform could not be asked for metrics (auth, quota, outage); the posts are skipped."""


class MetricsFetcher(Protocol):
    platform: str
    simulated: bool

    def fetch(self, posts: Sequence[PublishedPost], observed_at: datetime) -> list[MetricSample]: ...


class SimulatedFetcher:
    """Offline tier: deterministic counts from ids and age, marked simulated."""

    simulated = True

    def __init__(self, platform: str = "*") -> None:
        self.platform = platform

    def fetch(self, posts: Sequence[PublishedPost], observed_at: datetime) -> list[MetricSample]:
        return [simulate(post, observed_at) for post in posts]


def _number(raw: dict[str, Any], spec: str) -> float | None:
    scale = 1.0
    name = spec
    if "*" in spec:
        name, factor = spec.split("*")
        scale = float(factor)
    elif "/" in spec:
        name, divisor = spec.split("/")
        scale = 1 / float(divisor)
    value = raw.get(name)
    if isinstance(value, dict):  # reactions by type -> total
        value = sum(v for v in value.values() if isinstance(v, (int, float)))
    if value is None or value == "":
        return None
    try:
        return float(value) * scale
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={value!r} is not a number") from exc


def normalise(platform: str, publication_id: str, raw: dict[str, Any], observed_at: datetime) -> MetricSample:
    """Map one platform's statistics object to a MetricSample (missing counts are 0)."""
    fields = platform_rules.for_platform(platform).get("metrics_fields")
    if not fields:
        raise ValueError(f"no metrics_fields in the rules of platform {platform!r}")
    values: dict[str, float | None] = {}
    for target in ("views", "likes", "comments", "shares", "watch_seconds"):
        specs = fields.get(target) or ()
        values[target] = next((n for n in (_number(raw, s) for s in specs) if n is not None), None)
    return MetricSample(
        publication_id=publication_id,
        observed_at=observed_at,
        views=int(values["views"] or 0),
        likes=int(values["likes"] or 0),
        comments=int(values["comments"] or 0),
        shares=int(values["shares"] or 0),
        watch_seconds=values["watch_seconds"],
        simulated=False,
    )


class HookMetricsFetcher:
    """Real platform numbers through a source offering ``fetch_post_metrics(external_ids) -> {id: raw}``
    (see :mod:`acf.analytics.platform_metrics`)."""

    simulated = False

    def __init__(self, platform: str, hook: Any) -> None:
        self.platform = platform
        self.hook = hook
        self.rejected: list[tuple[str, str, Any]] = []  # (publication_id, reason, raw) of the last fetch

    def fetch(self, posts: Sequence[PublishedPost], observed_at: datetime) -> list[MetricSample]:
        by_external = {p.external_id: p for p in posts if p.external_id}
        try:
            raw_by_id = self.hook.fetch_post_metrics(list(by_external))
        except Exception as exc:  # noqa: BLE001 - any client failure skips this platform's batch
            raise MetricsFetchError(f"{self.platform}: {type(exc).__name__}: {exc}") from exc
        samples = []
        self.rejected = []
        for external_id, raw in (raw_by_id or {}).items():
            post = by_external.get(external_id)
            if post is None:
                continue
            try:
                samples.append(normalise(self.platform, post.publication_id, raw, observed_at))
            except ValueError as exc:
                self.rejected.append((post.publication_id, f"malformed metrics: {exc}", raw))
        return samples
