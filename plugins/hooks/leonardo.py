"""Leonardo.ai hook (image): create a generation, poll it, download the image.

Two ways to wait: :meth:`generate_image` polls in the calling process; :meth:`submit_image`,
:meth:`check_image` and :meth:`fetch_image` split it so a deferrable task waits on the triggerer.

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

    @property
    def poll_seconds(self) -> float:
        return float(self.extras.get("poll_seconds", 2))

    @property
    def wait_seconds(self) -> float:
        """How long a generation is waited for: ``max_polls`` looks ``poll_seconds`` apart."""
        return self.poll_seconds * int(self.extras.get("max_polls", 60))

    # A generation is asynchronous: submit it, look at it (GET /generations/{id}), download its image.
    # The answer's shape and statuses: Leonardo's "Get a Single Generation"
    # (https://docs.leonardo.ai/reference/getgenerationbyid), as its own SDK types it
    # (Leonardo-Interactive/leonardo-ts-sdk src/sdk/models/operations/getgenerationbyid.ts:
    # generations_by_pk.status, generated_images[].url; src/sdk/models/shared/jobstatus.ts:
    # PENDING, COMPLETE, FAILED). acf_production waits on the triggerer (triggers.media).
    def submit_image(self, prompt: str, width: int, height: int) -> dict:
        """Create the generation; its ids (``{"generation_id": ...}``), nothing secret."""
        w, h = fit_size(width, height)
        body = {"prompt": prompt, "width": w, "height": h, "num_images": 1}
        if self.extras.get("model_id"):
            body["modelId"] = self.extras["model_id"]
        created = call(self.client, "POST", f"{self.url}/generations", "leonardo create", json=body, timeout=self.timeout).json()
        try:
            return {"generation_id": str(created["sdGenerationJob"]["generationId"])}
        except (KeyError, TypeError):
            raise ProviderError("leonardo create: no generationId in the answer") from None

    def _generation(self, job: dict) -> dict:
        answer = call(self.client, "GET", f"{self.url}/generations/{job['generation_id']}", "leonardo poll",
                      timeout=self.timeout).json()
        return (answer.get("generations_by_pk") if isinstance(answer, dict) else None) or {}

    def check_image(self, job: dict) -> str | None:
        """One look: ``complete``, ``failed``, or None while the generation is pending."""
        return {"COMPLETE": "complete", "FAILED": "failed"}.get(self._generation(job).get("status"))

    def fetch_image(self, job: dict) -> bytes:
        """The finished generation's first image."""
        return self._download(self._generation(job), job)

    def _download(self, state: dict, job: dict) -> bytes:
        if state.get("status") != "COMPLETE":
            raise ProviderError(f"leonardo: generation {job['generation_id']} is {state.get('status') or 'unknown'}, not COMPLETE")
        images = state.get("generated_images") or []
        if not images or not images[0].get("url"):
            raise ProviderError("leonardo: generation complete without images")
        return call(self.client, "GET", images[0]["url"], "leonardo download", timeout=self.timeout).content

    def wait_image(self, job: dict) -> bytes:
        """Poll in this process (``max_polls`` looks ``poll_seconds`` apart), then download."""
        for _ in range(int(self.extras.get("max_polls", 60))):
            state = self._generation(job)
            if state.get("status") == "COMPLETE":
                return self._download(state, job)
            if state.get("status") == "FAILED":
                raise ProviderError(f"leonardo: generation {job['generation_id']} failed")
            time.sleep(self.poll_seconds)
        raise ProviderError(f"leonardo: generation {job['generation_id']} not complete after polling")

    def generate_image(self, prompt: str, width: int, height: int) -> bytes:
        """Submit, poll in this process, download: the blocking path."""
        return self.wait_image(self.submit_image(prompt, width, height))

    def test_connection(self) -> tuple[bool, str]:
        try:
            me = call(self.client, "GET", f"{self.url}/me", "leonardo me", timeout=self.timeout).json()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(me.get('user_details', []))} user(s)"
