"""Text providers: one small interface over the local writer and the model SDK clients.

The SDK clients are built by the hooks (``plugins/hooks/{groq,openai,anthropic}.py``)
from Airflow Connections; this module only wraps a ready client, so it imports no
Airflow and tests can hand it any client. Which provider a tier chain's name means is
the caller's resolver (the DAG tasks pass ``hooks.configured.text_provider``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from acf.text import local_writer


@dataclass
class Completion:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0


class TextProvider(Protocol):
    name: str
    model: str
    prices: dict | None   # {"input": usd/Mtok, "output": usd/Mtok} overriding the price table

    def complete(self, system: str, messages: list[dict]) -> Completion: ...


@dataclass
class LocalProvider:
    """The offline writer. Writes structured output directly (no prompt parsing)."""

    name: str = local_writer.PROVIDER
    model: str = local_writer.MODEL
    prices: dict | None = field(default_factory=lambda: {"input": 0, "output": 0})

    def write(self, task: str, inputs: dict) -> dict:
        return local_writer.write(task, inputs)

    def complete(self, system: str, messages: list[dict]) -> Completion:  # pragma: no cover - not used
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

    def complete(self, system: str, messages: list[dict]) -> Completion:
        kwargs: dict[str, Any] = {}
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, *messages],
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            **kwargs,
        )
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

    def complete(self, system: str, messages: list[dict]) -> Completion:
        # no temperature: the current SDK's messages.create no longer takes it
        response = self.client.messages.create(
            model=self.model,
            system=system,
            messages=messages,
            max_tokens=self.max_tokens,
        )
        text = "".join(getattr(block, "text", "") for block in response.content or [])
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        )


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
