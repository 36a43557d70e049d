"""Counters the chaos tests record, and the one summary line they add up to.

Tests call :func:`record` as they inject faults, kill processes, feed bad input
or find a crash, duplicate, lost item or leaked secret. The conftest prints
:func:`summary_line` as the run's last line. ``ACF_CHAOS_FULL=1`` (set by the
conftest for ``pytest tests/chaos``, i.e. ``make test-chaos``) scales the example
counts from the short version run by ``make test`` to the full one.
"""
from __future__ import annotations

import os
import threading
from collections import Counter

KEYS = ("faults_injected", "kills", "bad_inputs", "crashes", "duplicates", "lost", "secrets_leaked")
_counts: Counter = Counter({key: 0 for key in KEYS})
_lock = threading.Lock()
# What each crash/duplicate/loss/leak was, so a non-zero figure can be traced to its test.
findings: list[str] = []


def full() -> bool:
    return os.environ.get("ACF_CHAOS_FULL") == "1"


def scaled(full_count: int, short_count: int) -> int:
    """``full_count`` in the full chaos run, ``short_count`` in ``make test``."""
    return full_count if full() else short_count


def record(key: str, n: int = 1, what: str | None = None) -> None:
    if key not in KEYS:
        raise KeyError(f"unknown chaos counter {key!r}; known: {', '.join(KEYS)}")
    with _lock:
        _counts[key] += int(n)
        if what and n:
            findings.append(f"{key}+{n}: {what}")


_seen: set[tuple[str, str]] = set()


def record_once(key: str, signature: str) -> None:
    """Count a finding once per distinct ``signature`` (hypothesis replays a failure many times)."""
    with _lock:
        if (key, signature) in _seen:
            return
        _seen.add((key, signature))
    record(key, 1, signature)


def merge(counts: dict[str, int], more_findings: list[str]) -> None:
    """Add another process's counters (an xdist worker's) to this one's."""
    with _lock:
        for key in KEYS:
            _counts[key] += int(counts.get(key, 0))
        findings.extend(more_findings)


def counts() -> dict[str, int]:
    with _lock:
        return {key: _counts[key] for key in KEYS}


def summary_line() -> str:
    return " ".join(f"{key}={value}" for key, value in counts().items())
