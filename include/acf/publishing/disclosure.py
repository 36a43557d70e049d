"""Whether a post declares AI-made media, from what made the piece's images and voice.

The rule is data (``ai_disclosure.yaml``); each platform's rules say how it is declared
(``ai_disclosure`` in platform_rules.yaml: an API ``field``, or a ``caption_line`` where
the platform's API has none). A run overrides the rule with ``always`` or ``never``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from acf import yaml_data

RULE_FILE = Path(__file__).with_name("ai_disclosure.yaml")
MODES = ("auto", "always", "never")


class UnknownDisclosureModeError(ValueError):
    pass


@lru_cache(maxsize=1)
def rule() -> dict:
    return yaml_data.load(RULE_FILE.read_text())


def model_made(media_providers: dict[str, list[str]], disclosure_rule: dict | None = None) -> bool:
    """True when any image or voice of the piece came from a provider that is not offline."""
    disclosure_rule = disclosure_rule or rule()
    offline = set(disclosure_rule["not_synthetic"])
    return any(provider not in offline
               for kind in disclosure_rule["kinds"] for provider in media_providers.get(kind, []))


def declares_ai(media_providers: dict[str, list[str]], mode: str = "auto") -> bool:
    if mode not in MODES:
        raise UnknownDisclosureModeError(f"ai_disclosure must be one of {', '.join(MODES)}, not {mode!r}")
    return mode == "always" or (mode == "auto" and model_made(media_providers))
