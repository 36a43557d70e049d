"""Stable ids: every row and object key is named by these, never by user text."""
from __future__ import annotations

import hashlib
import unicodedata


def normalise_text(text: str) -> str:
    """Case-folded, NFKC, whitespace-collapsed: the form used for keys and matching."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


def stable_id(prefix: str, *parts: object, length: int = 16) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}_{digest[:length]}"
