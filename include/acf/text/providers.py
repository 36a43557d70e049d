"""Text providers: one small interface over the local writer and the model SDK clients.

The SDK clients are built by the hooks (``plugins/hooks/{groq,openai,anthropic}.py``)
from Airflow Connections; this module only wraps a ready client, so it imports no
Airflow and tests can hand it any client. Which provider a tier chain's name means is
the caller's resolver (the DAG tasks pass ``hooks.configured.text_provider``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from acf.text import local_writer

# The ledger row's id of a model call, sent with its request (see acf.text.ledger).
CALL_ID_HEADER = "X-ACF-Call-Id"


# The SDKs honour a wait of up to 60 s (then back off); a longer one (a daily cap) outlasts the run's patience.
MAX_WAIT = 60.0
QUOTA_CODES = frozenset({"insufficient_quota"})   # OpenAI: out of credit or over the plan's cap
_WAIT = re.compile(r"try again in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.IGNORECASE)
_WAIT_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class QuotaExhaustedError(RuntimeError):
    """The provider refuses calls until its plan or billing changes (or past what a run waits): not retried,
    and the generator skips it for the rest of the run; the next run asks again."""


def message_wait(message: str | None) -> float | None:
    """Seconds from a "Please try again in 7.66s" / "1m30.5s" / "250ms" message (Groq's 429), else None."""
    match = _WAIT.search(message or "")
    if not match:
        return None
    return sum(float(n) * _UNIT[unit] for n, unit in _WAIT_PART.findall(match.group(1)))


def exhausted_reason(status: int | None, error: Any, retry_after: float | None = None) -> str | None:
    """Why a 429 is not worth waiting for in this run (the quota is spent), or None for a transient limit."""
    if status != 429 or not isinstance(error, dict):
        return None
    error = error.get("error", error) if isinstance(error.get("error"), dict) else error
    code = next((str(error[k]) for k in ("code", "type") if str(error.get(k)) in QUOTA_CODES), None)
    if code:
        return f"{code}: {error.get('message') or 'quota exhausted'}"
    waits = [w for w in (message_wait(error.get("message")), retry_after) if w is not None]
    if waits and max(waits) > MAX_WAIT:
        return f"rate limit resets in {max(waits):.0f} s, longer than a run waits: {error.get('message') or ''}"
    return None


def classify_response(response: Any) -> None:
    """httpx response hook for the SDK clients: a spent quota is not retried (``x-should-retry: false``);
    a wait given only in the message becomes ``retry-after-ms``, which the SDK's own retry honours."""
    if response.status_code != 429:
        return
    response.read()
    try:
        error = (response.json() or {}).get("error")
    except ValueError:
        return
    headers = response.headers
    try:
        retry_after = float(headers["retry-after"]) if "retry-after" in headers else None
    except ValueError:
        retry_after = None
    if exhausted_reason(429, error, retry_after):
        headers["x-should-retry"] = "false"
    elif retry_after is None and "retry-after-ms" not in headers and isinstance(error, dict):
        if (wait := message_wait(error.get("message"))) is not None:
            headers["retry-after-ms"] = str(int(wait * 1000))


def raise_if_exhausted(name: str, exc: BaseException) -> None:
    """Turn an SDK's 429 whose quota is spent into QuotaExhaustedError (the SDK did not retry it)."""
    response = getattr(exc, "response", None)
    header = getattr(response, "headers", {}).get("retry-after") if response is not None else None
    try:
        retry_after = float(header) if header is not None else None
    except ValueError:
        retry_after = None
    if reason := exhausted_reason(getattr(exc, "status_code", None), getattr(exc, "body", None), retry_after):
        raise QuotaExhaustedError(f"{name}: {reason}") from exc


@dataclass
class Completion:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0


class TextProvider(Protocol):
    name: str
    model: str
    prices: dict | None   # {"input": usd/Mtok, "output": usd/Mtok} overriding the price table

    def complete(self, system: str, messages: list[dict], call_id: int | None = None) -> Completion:
        """One model call; ``call_id`` (the ledger row's id) is sent as the ``X-ACF-Call-Id`` header."""


@dataclass
class LocalProvider:
    """The offline writer. Writes structured output directly (no prompt parsing)."""

    name: str = local_writer.PROVIDER
    model: str = local_writer.MODEL
    prices: dict | None = field(default_factory=lambda: {"input": 0, "output": 0})

    def write(self, task: str, inputs: dict) -> dict:
        return local_writer.write(task, inputs)

    def complete(self, system: str, messages: list[dict], call_id: int | None = None) -> Completion:  # pragma: no cover
        raise NotImplementedError("the local writer works on inputs, not prompts")


@dataclass
class ChatCompletionsProvider:
    """OpenAI chat completions (also Groq's SDK, and OpenAI-compatible servers: Ollama, vLLM)."""

    name: str
    client: Any
    model: str
    max_tokens: int = 2048
    temperature: float = 0.7
    json_mode: bool = True
    prices: dict | None = None

    def complete(self, system: str, messages: list[dict], call_id: int | None = None) -> Completion:
        kwargs: dict[str, Any] = {"extra_headers": _call_header(call_id)}
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, *messages],
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                **kwargs,
            )
        except Exception as exc:
            raise_if_exhausted(self.name, exc)
            raise
        text = (response.choices[0].message.content or "") if response.choices else ""
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )


@dataclass
class AnthropicMessagesProvider:
    name: str
    client: Any
    model: str
    max_tokens: int = 2048
    prices: dict | None = None

    def complete(self, system: str, messages: list[dict], call_id: int | None = None) -> Completion:
        # no temperature: the current SDK's messages.create no longer takes it
        response = self.client.messages.create(
            model=self.model,
            system=system,
            messages=messages,
            max_tokens=self.max_tokens,
            extra_headers=_call_header(call_id),
        )
        text = "".join(getattr(block, "text", "") for block in response.content or [])
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        )


def _call_header(call_id: int | None) -> dict | None:
    # Providers ignore a header they do not know; it lets their request log be matched to the ledger.
    return {CALL_ID_HEADER: str(call_id)} if call_id is not None else None


# name -> the remote provider of that name, or None when it is not configured (the chain skips it).
# ``local`` never reaches a resolver: the generator makes the offline writer itself.
Resolver = Callable[[str], "TextProvider | None"]


def no_remote_providers(name: str) -> None:
    """The resolver of plain-Python callers: only the offline writer is available."""
    return None


@dataclass
class ClientOptions:
    """Options a hook reads from its Connection's extras (one mapping for all three providers)."""

    model: str
    max_retries: int = 2          # SDK retries on 408/409/429/5xx and connection errors, honouring Retry-After
    timeout: float = 60.0         # seconds per request
    max_tokens: int = 2048
    temperature: float = 0.7
    json_mode: bool = True
    prices: dict | None = None    # {"input": usd/Mtok, "output": usd/Mtok}; None = the price table

    @classmethod
    def from_extras(cls, extras: dict, default_model: str, free: bool = False) -> "ClientOptions":
        prices = None
        if "price_input_per_mtok" in extras or "price_output_per_mtok" in extras:
            prices = {"input": float(extras.get("price_input_per_mtok", 0)),
                      "output": float(extras.get("price_output_per_mtok", 0))}
        elif free:
            prices = {"input": 0.0, "output": 0.0}
        return cls(
            model=str(extras.get("model") or default_model),
            max_retries=max(0, min(5, int(extras.get("max_retries", 2)))),
            timeout=float(extras.get("timeout", 60)),
            max_tokens=int(extras.get("max_tokens", 2048)),
            temperature=float(extras.get("temperature", 0.7)),
            json_mode=str(extras.get("json_mode", True)).lower() not in ("false", "0", "no"),
            prices=prices,
        )
