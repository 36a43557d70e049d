"""Structured output: ask for JSON matching a pydantic model, validate, retry once with the error."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from acf.text.providers import Completion, TextProvider

Check = Callable[[BaseModel], list[str]]   # extra rules beyond the schema; returns problems
# (call id, completion, latency_ms, error); the call id is what OnStart gave for the call (None: none)
OnCall = Callable[[int | None, Completion | None, int, str | None], None]
OnStart = Callable[[], "int | None"]   # a call is about to be made: its ledger id, sent with the request

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


class StructuredOutputError(ValueError):
    """The model's reply did not validate, twice. The item is skipped with this reason."""


@dataclass
class Parsed:
    value: BaseModel
    attempts: int


def parse(text: str, schema: type[BaseModel], check: Check | None = None) -> BaseModel:
    """The reply as a validated model, or ValueError saying what is wrong (fed back to the model)."""
    body = _FENCE.sub("", (text or "").strip())
    if not body.startswith("{"):
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the reply holds no JSON object")
        body = body[start : end + 1]
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON: {exc}") from None
    try:
        value = schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:8]
        )
        raise ValueError(f"the JSON does not match the schema: {problems}") from None
    problems = check(value) if check else []
    if problems:
        raise ValueError("; ".join(problems))
    return value


def call_structured(
    provider: TextProvider,
    system: str,
    user: str,
    schema: type[BaseModel],
    *,
    check: Check | None = None,
    on_call: OnCall | None = None,
    on_start: OnStart | None = None,
) -> Parsed:
    """One call, and one retry carrying the validation error. API errors propagate (the chain falls back)."""
    messages = [{"role": "user", "content": user}]
    last_error = ""
    for attempt in (1, 2):
        call_id = on_start() if on_start else None
        started = time.monotonic()
        try:
            completion = provider.complete(system, messages, call_id=call_id)
        except Exception as exc:
            if on_call:
                on_call(call_id, None, _ms(started), f"{type(exc).__name__}: {exc}")
            raise
        latency = _ms(started)
        try:
            value = parse(completion.text, schema, check)
        except ValueError as exc:
            last_error = str(exc)
            if on_call:
                on_call(call_id, completion, latency, f"invalid output: {last_error}")
            messages = messages + [
                {"role": "assistant", "content": completion.text or "(empty)"},
                {"role": "user", "content": (
                    f"Your reply was rejected: {last_error}. Reply again with only the corrected JSON object "
                    "for the same <trend_data>."
                )},
            ]
            continue
        if on_call:
            on_call(call_id, completion, latency, None)
        return Parsed(value, attempt)
    raise StructuredOutputError(f"{provider.name}/{provider.model} gave invalid output twice: {last_error}")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
