"""OpenAI Images hook (image): the openai SDK's images.generate, base64 answers.

Connection: password = API key, host = base URL (empty = https://api.openai.com/v1),
extras: model (default gpt-image-1), quality, max_retries (default 2), timeout (s).
The SDK retries 429/5xx/connection errors, honouring Retry-After.
"""
from __future__ import annotations

import base64
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.http import ProviderError
from acf.redaction import redact, register_connection

DEFAULT_MODEL = "gpt-image-1"
SIZES = {"portrait": "1024x1536", "landscape": "1536x1024", "square": "1024x1024"}
DALLE3_SIZES = {"portrait": "1024x1792", "landscape": "1792x1024", "square": "1024x1024"}


def size_for(width: int, height: int, model: str) -> str:
    shape = "portrait" if height > width * 1.1 else "landscape" if width > height * 1.1 else "square"
    return (DALLE3_SIZES if model == "dall-e-3" else SIZES)[shape]


class OpenAIImagesHook(BaseHook):
    conn_name_attr = "openai_images_conn_id"
    default_conn_name = "acf_openai_images"
    conn_type = "acf_openai_images"
    hook_name = "OpenAI Images (AI Content Factory)"

    def __init__(self, openai_images_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.openai_images_conn_id = openai_images_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.openai_images_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        import openai

        host = self.connection.host
        return openai.OpenAI(
            api_key=self.connection.password,
            base_url=(host if "://" in host else f"https://{host}").rstrip("/") if host else None,
            max_retries=min(5, int(self.extras.get("max_retries", 2))),
            timeout=float(self.extras.get("timeout", 120)),
        )

    def get_conn(self):
        return self.client

    def generate_image(self, prompt: str, width: int, height: int) -> bytes:
        model = self.extras.get("model", DEFAULT_MODEL)
        kwargs: dict[str, Any] = {"model": model, "prompt": prompt, "n": 1, "size": size_for(width, height, model)}
        if model.startswith("dall-e"):
            kwargs["response_format"] = "b64_json"
        if self.extras.get("quality"):
            kwargs["quality"] = self.extras["quality"]
        result = self.client.images.generate(**kwargs)
        if not result.data or not result.data[0].b64_json:
            raise ProviderError("openai images: answer has no image data")
        return base64.b64decode(result.data[0].b64_json)

    def test_connection(self) -> tuple[bool, str]:
        try:
            models = [m.id for m in self.client.models.list().data]
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(models)} models"
