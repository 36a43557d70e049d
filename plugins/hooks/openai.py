"""OpenAI chat completions hook; the Connection's host as base URL, so Ollama and vLLM work too.

Connection: password = API key (any text for local servers), host = base URL
(e.g. http://localhost:11434/v1 for Ollama; empty = api.openai.com), extras:
model, max_retries (default 2, at most 5), timeout (s), max_tokens, temperature,
json_mode, price_input_per_mtok / price_output_per_mtok (a non-OpenAI host costs 0
unless priced). The SDK retries 429/5xx/connection errors up to max_retries,
waiting as the server's Retry-After says (up to 60 s) or backing off.
A spent quota (429 ``insufficient_quota``, or a wait over 60 s) is not retried:
the text generator asks once, then skips the provider for the rest of its run.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseHook

from acf.text.guard import redact
from acf.text.providers import ChatCompletionsProvider, ClientOptions, classify_response
from acf.redaction import register_connection

DEFAULT_MODEL = "gpt-4o-mini"


def base_url(host: str | None, schema: str | None = None, port: int | None = None) -> str | None:
    """Connection host -> SDK base URL: scheme added when missing, ``/v1`` when it has no path."""
    if not host:
        return None
    url = host if "://" in host else f"{schema or 'https'}://{host}{f':{port}' if port else ''}"
    return url.rstrip("/") if urlsplit(url).path.strip("/") else url.rstrip("/") + "/v1"


class OpenAIHook(BaseHook):
    conn_name_attr = "openai_conn_id"
    default_conn_name = "acf_openai"
    conn_type = "acf_openai"
    hook_name = "OpenAI or OpenAI-compatible (AI Content Factory)"

    def __init__(self, openai_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.openai_conn_id = openai_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.openai_conn_id))

    @cached_property
    def base_url(self) -> str | None:
        conn = self.connection
        return base_url(conn.host, conn.schema, conn.port)

    @cached_property
    def options(self) -> ClientOptions:
        self_hosted = bool(self.base_url) and "api.openai.com" not in (self.base_url or "")
        return ClientOptions.from_extras(self.connection.extra_dejson, DEFAULT_MODEL, free=self_hosted)

    @cached_property
    def client(self):
        import openai

        return openai.OpenAI(
            api_key=self.connection.password or "not-needed",
            base_url=self.base_url,
            organization=self.connection.extra_dejson.get("organization") or None,
            max_retries=self.options.max_retries,
            timeout=self.options.timeout,
            # a spent quota is not retried; a wait given only in the message is honoured
            http_client=openai.DefaultHttpxClient(event_hooks={"response": [classify_response]}),
        )

    def get_conn(self):
        return self.client

    def chat(self, messages: list[dict], **kwargs: Any):
        return self.client.chat.completions.create(model=self.options.model, messages=messages, **kwargs)

    def text_provider(self) -> ChatCompletionsProvider:
        o = self.options
        return ChatCompletionsProvider("openai", self.client, o.model, o.max_tokens, o.temperature, o.json_mode,
                                       o.prices)

    def test_connection(self) -> tuple[bool, str]:
        try:
            models = [m.id for m in self.client.models.list()]
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(models)} models" + (
            "" if self.options.model in models else f" (configured model {self.options.model!r} not listed)")
