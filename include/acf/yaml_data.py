"""Reading the project's YAML data files.

The DAG files read the platform rules and tiers at parse time; libyaml's loader parses them about
ten times faster than PyYAML's pure-Python one (PyPI's wheels ship it), which keeps DAG parsing quick.
"""
from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str):
    """``yaml.safe_load`` with libyaml where present: the same safe subset of YAML."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
