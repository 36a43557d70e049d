"""TextGenerator: tier chain -> cache -> provider (structured output) -> cost ledger.

    gen = TextGenerator("budget", conn=conn, run_id=run_id)
    result = gen.generate(prompts.ANGLES, inputs, opportunity_id=opp_id)
    result.value, result.provider, result.model, result.cache_hit

``resolver`` names the remote providers (the DAG tasks pass
``hooks.configured.text_provider``); without one only the offline writer
answers. A provider without a Connection is skipped, one that fails (after its SDK's
bounded retries) falls back to the next in the chain. One whose quota is spent
(QuotaExhaustedError: OpenAI's ``insufficient_quota``, a wait past what a run
waits) is asked once: the generator skips it for the rest of its run. Output that fails
validation twice, or input that reads like instructions, is about the item: it
raises (StructuredOutputError, PromptInjectionError) and the caller skips the
item with the reason.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from acf import registry
from acf.text import prices
from acf.text.cache import Cache, MemoryCache, PostgresCache, cache_key
from acf.text.guard import PromptInjectionError, injection_reason, redact
from acf.text.ledger import CallRecord, CostLedger
from acf.text.prompts import PromptSpec, input_hash
from acf.text.providers import Completion, LocalProvider, QuotaExhaustedError, Resolver, no_remote_providers
from acf.text.structured import Check, StructuredOutputError, call_structured

ITEM_ERRORS = (StructuredOutputError, PromptInjectionError)
log = logging.getLogger(__name__)


@dataclass
class Generated:
    value: BaseModel
    provider: str
    model: str
    prompt_version: str
    cache_hit: bool
    skipped: list[tuple[str, str]] = field(default_factory=list)   # providers tried before, and why


class TextGenerator:
    def __init__(
        self,
        tier: str = "offline",
        *,
        conn: Any = None,
        run_id: str | None = None,
        resolver: Resolver | None = None,
        tiers: dict | None = None,
        cache: Cache | None = None,
        ledger: CostLedger | None = None,
    ) -> None:
        self.tier = tier
        self.chain = registry.chain(tier, "text", tiers)
        self.resolver = resolver or no_remote_providers
        self.cache = cache or (PostgresCache(conn) if conn is not None else MemoryCache())
        self.ledger = ledger or CostLedger(conn, run_id)
        self._providers: dict[str, Any] = {}
        self.exhausted: dict[str, str] = {}   # provider -> why it is skipped for the rest of this run

    def provider(self, name: str):
        if name not in self._providers:
            self._providers[name] = LocalProvider() if name == "local" else self.resolver(name)
        return self._providers[name]

    def generate(
        self,
        spec: PromptSpec,
        inputs: dict[str, Any],
        *,
        check: Check | None = None,
        opportunity_id: str | None = None,
        content_id: str | None = None,
    ) -> Generated:
        for value in _texts(inputs):
            if reason := injection_reason(value):
                raise PromptInjectionError(reason)
        digest = input_hash(spec, inputs)
        ids = {"opportunity_id": opportunity_id, "content_id": content_id}

        def call(name: str) -> Generated:
            if name in self.exhausted:
                raise QuotaExhaustedError(f"skipped for the rest of this run: {self.exhausted[name]}")
            try:
                return self._generate_with(self.provider(name), spec, inputs, digest, check, ids)
            except QuotaExhaustedError as exc:
                self.exhausted[name] = redact(str(exc))
                log.warning("text provider %s skipped for the rest of this run: %s", name, self.exhausted[name])
                raise

        attempt = registry.run_with_fallback(
            self.chain, call, available=lambda n: self.provider(n) is not None, modality="text", fatal=ITEM_ERRORS
        )
        result: Generated = attempt.result
        result.skipped = attempt.skipped
        return result

    # --- one provider ---------------------------------------------------
    def _generate_with(self, provider, spec, inputs, digest, check, ids) -> Generated:
        key = cache_key(provider.name, provider.model, spec.version, digest)
        base = dict(provider=provider.name, model=provider.model, purpose=spec.task,
                    prompt_version=spec.version, input_hash=digest, **ids)
        started = time.monotonic()
        cached = self.cache.get(key)
        if cached is not None:
            try:
                value = spec.schema.model_validate(cached)
            except ValidationError:
                value = None   # stored under an older schema: make it again
            if value is not None:
                self.ledger.record(CallRecord(**base, cache_hit=True, latency_ms=_ms(started)))
                return Generated(value, provider.name, provider.model, spec.version, cache_hit=True)

        if isinstance(provider, LocalProvider):
            value = self._local(provider, spec, inputs, check, base, started)
        else:
            def on_start() -> int | None:
                return self.ledger.start(CallRecord(**base))

            def on_call(call_id: int | None, completion: Completion | None, latency: int, error: str | None) -> None:
                self.ledger.record(_record(provider, base, completion, latency, error), call_id)

            value = call_structured(provider, spec.system(), spec.user(inputs), spec.schema,
                                    check=check, on_call=on_call, on_start=on_start).value
        self.cache.put(key, provider.name, provider.model, spec.version, digest, value.model_dump(mode="json"))
        return Generated(value, provider.name, provider.model, spec.version, cache_hit=False)

    def _local(self, provider: LocalProvider, spec, inputs, check, base, started) -> BaseModel:
        raw = provider.write(spec.task, inputs)
        try:
            value = spec.schema.model_validate(raw)
            problems = check(value) if check else []
        except ValidationError as exc:
            problems = [str(exc)]
        text_len = len(json.dumps(raw, ensure_ascii=False))
        error = "; ".join(problems) or None
        self.ledger.record(CallRecord(**base, units=text_len, latency_ms=_ms(started), ok=error is None, error=error))
        if error:
            raise StructuredOutputError(f"local writer output rejected: {error}")
        return value


def _texts(value: Any):
    """Every string inside the inputs (a brief's facts are lists of dicts): all of it is checked as data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def _record(provider, base: dict, completion: Completion | None, latency: int, error: str | None) -> CallRecord:
    tokens_in = completion.input_tokens if completion else 0
    tokens_out = completion.output_tokens if completion else 0
    table = {provider.name: {"*": provider.prices}} if getattr(provider, "prices", None) else None
    cost = prices.cost_usd(provider.name, provider.model, tokens_in, tokens_out, table)
    return CallRecord(**base, input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=cost,
                      latency_ms=latency, ok=error is None, error=error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
