"""Extensions from other packages: trend sources, providers and platforms the project does not ship.

An installed package adds to the factory by declaring one entry point in the group
``acf.extensions`` (as pytest finds its plugins), pointing at a module or object with
any of these attributes:

- ``SERVICES``: connection-type declarations, each shaped like a file of
  ``acf/connection_types/`` (``hook-class-name``, ``connection-type``, form fields and
  an ``acf-service`` block naming the service and its kind); see :mod:`acf.services`.
- ``TREND_SOURCES``: :class:`acf.trends.sources.TrendSource` objects.
- ``PLATFORM_RULES``: ``{platform: rules}`` in the shape of ``platform_rules.yaml``.

See docs/EXTENDING.md. Nothing here imports Airflow or the project's hooks.
"""
from __future__ import annotations

import logging
import sys
from importlib import metadata
from typing import Any

log = logging.getLogger(__name__)

GROUP = "acf.extensions"
_cache: dict[tuple[str, ...], list[Any]] = {}


class ExtensionError(RuntimeError):
    """An extension could not be loaded or declares something invalid."""


def loaded() -> list[Any]:
    """The extension objects of every installed ``acf.extensions`` entry point, in name order.

    Cached per ``sys.path``, so a package made importable later (a test's temporary package,
    a plugin folder added at run time) is found on the next call.
    """
    key = tuple(sys.path)
    if key not in _cache:
        found = []
        for entry in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
            try:
                found.append(entry.load())
            except Exception as exc:  # noqa: BLE001 - named, so a broken extension is found quickly
                raise ExtensionError(f"extension {entry.name!r} ({entry.value}) failed to load: "
                                     f"{type(exc).__name__}: {exc}") from exc
        _cache.clear()
        _cache[key] = found
    return _cache[key]


def declared(attribute: str) -> list[Any]:
    """Every item the loaded extensions declare under ``attribute`` (a list or a dict's items)."""
    items: list[Any] = []
    for extension in loaded():
        value = getattr(extension, attribute, None)
        if value is None:
            continue
        items.extend(value.items() if isinstance(value, dict) else value)
    return items
