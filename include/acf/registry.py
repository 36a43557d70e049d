"""Service tiers: which provider makes each modality in each tier, with fallback.

Tiers are data (tiers.yaml, or the file ``ACF_TIERS_FILE`` names, same shape). The
chain for a modality is tried in order; a provider is skipped when it is not
available (no Connection) and the next is tried when it fails. Callers record
which provider actually made each part. Which services exist is
:mod:`acf.services`; a chain names them (plus ``local`` and ``outbox``, which need none).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from acf import yaml_data

from acf import settings
from acf.redaction import redact

DEFAULT_TIERS_FILE = Path(__file__).with_name("tiers.yaml")
MODALITIES = ("text", "image", "voice", "publish")
T = TypeVar("T")


class UnknownTierError(ValueError):
    pass


class AllProvidersFailedError(RuntimeError):
    """Every provider in a chain was unavailable or failed; ``failures`` says why for each."""

    def __init__(self, modality: str, failures: list[tuple[str, str]]):
        self.modality = modality
        self.failures = failures
        detail = "; ".join(f"{name}: {why}" for name, why in failures) or "empty chain"
        super().__init__(f"no {modality} provider succeeded ({detail})")


@dataclass(frozen=True)
class Attempt:
    provider: str
    result: Any
    skipped: list[tuple[str, str]]  # (provider, reason) tried before it


def load_tiers(text: str | None = None) -> dict[str, dict[str, list[str]]]:
    """Tiers from ``text`` (YAML/JSON), else ACF_TIERS_FILE, else the bundled file."""
    if text is None:
        text = Path(settings.load().tiers_file or DEFAULT_TIERS_FILE).read_text()
    tiers = yaml_data.load(text)
    if not isinstance(tiers, dict):
        raise UnknownTierError("tiers must map tier name -> modality -> provider list")
    for tier, modalities in tiers.items():
        for modality, chain in (modalities or {}).items():
            if modality not in MODALITIES or not isinstance(chain, list) or not chain:
                raise UnknownTierError(f"tier {tier!r}: bad chain for {modality!r}: {chain!r}")
    return tiers


def tier_names(tiers: dict | None = None) -> list[str]:
    """The tiers a run may ask for (Params enums, plan validation): the tiers data's keys."""
    return list(tiers if tiers is not None else load_tiers())


def chain(tier: str, modality: str, tiers: dict | None = None) -> list[str]:
    tiers = tiers if tiers is not None else load_tiers()
    if tier not in tiers:
        raise UnknownTierError(f"unknown tier {tier!r}; known: {', '.join(tiers)}")
    if modality not in tiers[tier]:
        raise UnknownTierError(f"tier {tier!r} has no {modality!r} chain")
    return list(tiers[tier][modality])


def run_with_fallback(
    providers: list[str],
    call: Callable[[str], T],
    available: Callable[[str], bool] = lambda name: True,
    modality: str = "text",
    fatal: tuple[type[BaseException], ...] = (),
    skipped: list[tuple[str, str]] | None = None,
) -> Attempt:
    """Try ``call(provider)`` down the chain; return the first success and what was skipped.

    Exceptions of a ``fatal`` type are about the item, not the provider (bad input,
    output that failed validation twice): they propagate instead of falling back.
    ``skipped`` carries the reasons of providers tried before (a chain resumed after a wait).
    """
    skipped = [tuple(entry) for entry in (skipped or ())]
    for name in providers:
        if not available(name):
            skipped.append((name, "not configured (no Connection)"))
            continue
        try:
            return Attempt(name, call(name), skipped)
        except fatal:
            raise
        except Exception as exc:  # noqa: BLE001 - any provider failure moves down the chain
            skipped.append((name, redact(f"{type(exc).__name__}: {exc}")))
    raise AllProvidersFailedError(modality, skipped)
