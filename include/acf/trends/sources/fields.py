"""Readers for the fields of a source's items, shared by every source's parser.

Each raises :class:`ItemError` with a message that becomes the item's quarantine
reason, so a parser reads a field and says nothing more about what went wrong.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


class ItemError(ValueError):
    """One item cannot be read; the message is the quarantine reason."""


def read_list(value: Any, what: str) -> list:
    """``value`` if it is a list; a payload whose item list is anything else is not the API's shape."""
    if not isinstance(value, list):
        raise TypeError(f"{what} is {type(value).__name__}, not a list")
    return value


def read_object(item: Any) -> dict:
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    return item


def read_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ItemError(f"{what} is missing or not text")
    return value


def read_count(value: Any, what: str, *, required: bool = False) -> int:
    """A non-negative count; APIs send numbers or digit strings ("12345")."""
    if value is None:
        if required:
            raise ItemError(f"{what} is missing")
        return 0
    if isinstance(value, bool):
        raise ItemError(f"{what} is a boolean, not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise ItemError(f"{what} is not a count: {str(value)[:40]!r}")
    if number < 0:
        raise ItemError(f"{what} is negative")
    return number


def read_iso_time(value: Any) -> datetime | None:
    """An ISO 8601 time as timezone-aware UTC; None when absent or unreadable (it is only a hint)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
