"""Anthropic Messages API hook (premium tier text).

Connection: password = API key, host = base URL (empty = https://api.anthropic.com),
extras: model (default claude-3-5-haiku-latest), max_retries (default 2, at most 5),
timeout (s), max_tokens, price_input_per_mtok / price_output_per_mtok.
The SDK retries 429/5xx/529/connection errors up to max_retries, waiting as
Retry-After says (up to 60 s) or backing off.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.text.guard import redact
from acf.text.providers import AnthropicMessagesProvider, ClientOptions
from acf.redaction import register_connection

DEFAULT_MODEL = "claude-3-5-haiku-latest"


class AnthropicHook(BaseHook):
    conn_name_attr = "anthropic_conn_id"
    default_conn_name = "acf_anthropic"
    conn_type = "acf_anthropic"
    hook_name = "Anthropic (AI Content Factory)"

    def __init__(self, anthropic_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.anthropic_conn_id = anthropic_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.anthropic_conn_id))

    @cached_property
    def options(self) -> ClientOptions:
        return ClientOptions.from_extras(self.connection.extra_dejson, DEFAULT_MODEL)

    @cached_property
    def client(self):
        import anthropic

        host = self.connection.host
        return anthropic.Anthropic(
            api_key=self.connection.password,
            base_url=(host if "://" in host else f"https://{host}").rstrip("/") if host else None,
            max_retries=self.options.max_retries,
            timeout=self.options.timeout,
        )

    def get_conn(self):
        return self.client

    def messages(self, messages: list[dict], **kwargs: Any):
        kwargs.setdefault("max_tokens", self.options.max_tokens)
        return self.client.messages.create(model=self.options.model, messages=messages, **kwargs)

    def text_provider(self) -> AnthropicMessagesProvider:
        o = self.options
        return AnthropicMessagesProvider("anthropic", self.client, o.model, o.max_tokens, o.prices)

    def test_connection(self) -> tuple[bool, str]:
        try:
            models = [m.id for m in self.client.models.list().data]
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(models)} models"
