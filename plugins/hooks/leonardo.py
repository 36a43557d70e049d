"""Leonardo.ai hook (image): create a generation, poll it, download the image.

Connection: password = API key, host = base URL (empty = https://cloud.leonardo.ai/api/rest/v1),
extras: model_id, poll_seconds (default 2), max_polls (default 60), max_retries (default 3), timeout (s).
"""
from __future__ import annotations

import time
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.http import ProviderError, base_url, call, session
from acf.redaction import redact, register_connection

DEFAULT_URL = "https://cloud.leonardo.ai/api/rest/v1"
MAX_SIDE = 1536


def fit_size(width: int, height: int, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """The asked aspect within Leonardo's limits, in multiples of 8."""
    scale = min(1.0, max_side / max(width, height))
    return max(64, int(width * scale) // 8 * 8), max(64, int(height * scale) // 8 * 8)


class LeonardoHook(BaseHook):
    conn_name_attr = "leonardo_conn_id"
    default_conn_name = "acf_leonardo"
    conn_type = "acf_leonardo"
    hook_name = "Leonardo.ai (AI Content Factory)"

    def __init__(self, leonardo_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.leonardo_conn_id = leonardo_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.leonardo_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        http = session(int(self.extras.get("max_retries", 3)))
        http.headers.update({"Authorization": f"Bearer {self.connection.password}", "Accept": "application/json"})
        return http

    def get_conn(self):
        return self.client

    @property
    def url(self) -> str:
        return base_url(self.connection.host, DEFAULT_URL)

    @property
    def timeout(self) -> float:
        return float(self.extras.get("timeout", 60))

    def generate_image(self, prompt: str, width: int, height: int) -> bytes:
        w, h = fit_size(width, height)
        body = {"prompt": prompt, "width": w, "height": h, "num_images": 1}
        if self.extras.get("model_id"):
            body["modelId"] = self.extras["model_id"]
        created = call(self.client, "POST", f"{self.url}/generations", "leonardo create", json=body, timeout=self.timeout).json()
        try:
            generation_id = created["sdGenerationJob"]["generationId"]
        except (KeyError, TypeError):
            raise ProviderError("leonardo create: no generationId in the answer") from None
        for _ in range(int(self.extras.get("max_polls", 60))):
            state = call(self.client, "GET", f"{self.url}/generations/{generation_id}", "leonardo poll", timeout=self.timeout).json().get("generations_by_pk") or {}
            if state.get("status") == "COMPLETE":
                images = state.get("generated_images") or []
                if not images:
                    raise ProviderError("leonardo: generation complete without images")
                return call(self.client, "GET", images[0]["url"], "leonardo download", timeout=self.timeout).content
            if state.get("status") == "FAILED":
                raise ProviderError(f"leonardo: generation {generation_id} failed")
            time.sleep(float(self.extras.get("poll_seconds", 2)))
        raise ProviderError(f"leonardo: generation {generation_id} not complete after polling")

    def test_connection(self) -> tuple[bool, str]:
        try:
            me = call(self.client, "GET", f"{self.url}/me", "leonardo me", timeout=self.timeout).json()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(me.get('user_details', []))} user(s)"
