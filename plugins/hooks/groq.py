"""Groq hook (budget tier text): the groq SDK, OpenAI-style chat completions.

Connection: password = API key, host = base URL (empty = https://api.groq.com),
extras: model (default llama-3.3-70b-versatile), max_retries (default 2, at most 5),
timeout (s), max_tokens, temperature, json_mode, price_input_per_mtok /
price_output_per_mtok. The SDK retries 429/5xx/connection errors up to
max_retries, waiting as Retry-After says (up to 60 s) or backing off.
A 429 whose wait is only in its message ("Please try again in 7.66s") is
retried after that wait. A spent quota (429 ``insufficient_quota``, or a wait over 60 s) is not retried:
the text generator asks once, then skips the provider for the rest of its run.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.text.guard import redact
from acf.text.providers import ChatCompletionsProvider, ClientOptions, classify_response
from acf.redaction import register_connection

DEFAULT_MODEL = "llama-3.3-70b-versatile"


class GroqHook(BaseHook):
    conn_name_attr = "groq_conn_id"
    default_conn_name = "acf_groq"
    conn_type = "acf_groq"
    hook_name = "Groq (AI Content Factory)"

    def __init__(self, groq_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groq_conn_id = groq_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.groq_conn_id))

    @cached_property
    def options(self) -> ClientOptions:
        return ClientOptions.from_extras(self.connection.extra_dejson, DEFAULT_MODEL)

    @cached_property
    def client(self):
        import groq

        host = self.connection.host
        return groq.Groq(
            api_key=self.connection.password,
            base_url=(host if "://" in host else f"https://{host}").rstrip("/") if host else None,
            max_retries=self.options.max_retries,
            timeout=self.options.timeout,
            # a spent quota is not retried; a wait given only in the message is honoured
            http_client=groq.DefaultHttpxClient(event_hooks={"response": [classify_response]}),
        )

    def get_conn(self):
        return self.client

    def chat(self, messages: list[dict], **kwargs: Any):
        return self.client.chat.completions.create(model=self.options.model, messages=messages, **kwargs)

    def text_provider(self) -> ChatCompletionsProvider:
        o = self.options
        return ChatCompletionsProvider("groq", self.client, o.model, o.max_tokens, o.temperature, o.json_mode,
                                       o.prices)

    def test_connection(self) -> tuple[bool, str]:
        try:
            models = [m.id for m in self.client.models.list().data]
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(models)} models"
