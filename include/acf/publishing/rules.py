"""Platform rules (limits, formats, quotas) loaded from platform_rules.yaml."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_RULES_FILE = Path(__file__).with_name("platform_rules.yaml")
PLATFORMS = ("youtube", "tiktok", "instagram", "facebook")


class UnknownPlatformError(ValueError):
    pass


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    rules = yaml.safe_load(Path(path).read_text())
    missing = [p for p in PLATFORMS if p not in rules]
    if missing:
        raise UnknownPlatformError(f"{path}: no rules for {', '.join(missing)}")
    return rules


def all_rules() -> dict:
    return _load(os.environ.get("ACF_PLATFORM_RULES_FILE", str(DEFAULT_RULES_FILE)))


def for_platform(platform: str) -> dict:
    rules = all_rules()
    if platform not in rules:
        raise UnknownPlatformError(f"unknown platform {platform!r}; known: {', '.join(rules)}")
    return rules[platform]
