"""Trend text is data, never instructions.

Titles and terms come from the open internet. Before any of it reaches a prompt
it is checked for instruction-like text (the item is rejected with a reason) and
it is always sent inside a JSON data block the system prompt tells the model
never to obey. Model output is checked for the same phrases, so an injection
that slips through still cannot reach a title or a script.
"""
from __future__ import annotations

import re

from acf.ids import normalise_text
from acf.redaction import redact  # noqa: F401  (re-exported: errors go to the DB and logs)

_INJECTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your)\b.{0,40}"
    r"\b(instructions?|prompts?|rules|directions|messages?)\b",
    r"\b(system|developer)\s*(prompt|message|instructions?)\b",
    r"\byou are now\b",
    r"\bact as (an?|the)\b.{0,30}\b(ai|assistant|model|gpt|llm|jailbr)",
    r"\bjailbreak\b",
    r"\bdo anything now\b",
    r"\bnew instructions?\s*:",
    r"</?\s*(system|assistant|trend_data|instructions?)\s*>",
    r"\b(reveal|print|repeat|show)\b.{0,30}\b(system prompt|your instructions|api key|secret)",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.IGNORECASE | re.DOTALL)
# Words one of the patterns above needs: text holding none (nearly all of it) skips the patterns, found
# by plain substring checks, which cost far less than the patterns' backtracking.
_TRIGGERS = ("ignore", "disregard", "forget", "override", "system", "developer", "you are now", "act as",
             "jailbreak", "anything now", "instruction", "<", "reveal", "print", "repeat", "show")


class PromptInjectionError(ValueError):
    """Text meant as data reads like instructions to a model."""


def injection_reason(text: str | None) -> str | None:
    """Why ``text`` looks like a prompt injection, or None when it reads as plain data."""
    if not text:
        return None
    normal = normalise_text(text)
    match = _INJECTION.search(normal) if any(word in normal for word in _TRIGGERS) else None
    if match:
        return f"prompt injection suspected: {match.group(0)[:60]!r}"
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_data_text(text: str, limit: int = 300) -> str:
    """One line of trend text, control characters and excess length removed."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]
