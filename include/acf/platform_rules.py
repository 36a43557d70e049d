"""Platform rules as data: the one platform list, and each platform's limits, formats, quotas,
output limits, metrics fields, revenue estimate and pool.

The bundled ``platform_rules.yaml`` (or the file ``ACF_PLATFORM_RULES_FILE`` names), plus
the ``PLATFORM_RULES`` of installed extensions. Its keys are the one platform list:
:func:`platforms` is what Params, schemas, pools, production and analytics use.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from acf import yaml_data

from acf import extensions, settings

DEFAULT_RULES_FILE = Path(__file__).with_name("platform_rules.yaml")
REQUIRED = ("output", "pool", "rpm", "renditions")


class UnknownPlatformError(ValueError):
    pass


class PlatformRulesError(ValueError):
    """A platform's rules lack what the factory needs of every platform."""


@lru_cache(maxsize=4)
def _read(path: str) -> dict:
    rules = yaml_data.load(Path(path).read_text())
    if not isinstance(rules, dict) or not rules:
        raise PlatformRulesError(f"{path}: must map platform -> rules")
    return rules


def all_rules() -> dict:
    """``{platform: rules}``: the rules file's platforms, then the extensions' (which may not redefine one)."""
    path = settings.load().platform_rules_file or DEFAULT_RULES_FILE
    rules = dict(_read(str(path)))
    for platform, extra in extensions.declared("PLATFORM_RULES"):
        if platform in rules:
            raise PlatformRulesError(f"an extension redefines the rules of platform {platform!r}")
        rules[platform] = extra
    for platform, rule in rules.items():
        missing = [key for key in REQUIRED if key not in (rule or {})]
        if missing:
            raise PlatformRulesError(f"platform {platform!r}: rules lack {', '.join(missing)}")
    return rules


def platforms() -> tuple[str, ...]:
    """Every platform the factory can make content for and publish to, in the rules' order."""
    return tuple(all_rules())


def for_platform(platform: str) -> dict:
    rules = all_rules()
    if platform not in rules:
        raise UnknownPlatformError(f"unknown platform {platform!r}; known: {', '.join(rules)}")
    return rules[platform]


def pools() -> dict[str, tuple[int, str]]:
    """The Airflow pool of each platform: ``{"acf_<platform>": (slots, description)}``."""
    return {f"acf_{name}": (int(rule["pool"]["slots"]), str(rule["pool"].get("description", name)))
            for name, rule in all_rules().items()}
