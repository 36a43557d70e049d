"""Diffusers hook (image): a local Stable Diffusion pipeline (no network at generation time).

Connection: host = local model directory (a ``save_pretrained`` folder) or a model id already in the
Hugging Face cache; extras: steps (default 25), guidance (default 7.0), max_side (default 768),
negative_prompt, seed (default 0), device (default cpu), local_files_only (default true).
"""
from __future__ import annotations

import io
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.http import ProviderError
from acf.redaction import redact, register_connection


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The asked aspect at most ``max_side`` on its long side, in multiples of 8 (the VAE's factor)."""
    scale = min(1.0, max_side / max(width, height))
    return max(8, int(width * scale) // 8 * 8), max(8, int(height * scale) // 8 * 8)


class DiffusersImageHook(BaseHook):
    conn_name_attr = "diffusers_conn_id"
    default_conn_name = "acf_diffusers"
    conn_type = "acf_diffusers"
    hook_name = "Diffusers Stable Diffusion (AI Content Factory)"

    def __init__(self, diffusers_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.diffusers_conn_id = diffusers_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.diffusers_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        """The pipeline, loaded once per hook (weights are large: keep the hook for the whole task)."""
        from diffusers import AutoPipelineForText2Image

        source = self.connection.host
        if not source:
            raise ProviderError("diffusers: the Connection's host must name a model directory or id")
        try:
            pipeline = AutoPipelineForText2Image.from_pretrained(
                source, local_files_only=bool(self.extras.get("local_files_only", True)))
        except (OSError, ValueError) as exc:
            raise ProviderError(f"diffusers: cannot load {source!r}: {exc}") from None
        if hasattr(pipeline, "safety_checker") and self.extras.get("disable_safety_checker"):
            pipeline.safety_checker = None
        pipeline.set_progress_bar_config(disable=True)
        return pipeline.to(self.extras.get("device", "cpu"))

    def get_conn(self):
        return self.client

    def generate_image(self, prompt: str, width: int, height: int) -> bytes:
        import torch

        w, h = fit_size(width, height, int(self.extras.get("max_side", 768)))
        generator = torch.Generator(device="cpu").manual_seed(int(self.extras.get("seed", 0)))
        result = self.client(
            prompt, negative_prompt=self.extras.get("negative_prompt"), width=w, height=h,
            num_inference_steps=int(self.extras.get("steps", 25)),
            guidance_scale=float(self.extras.get("guidance", 7.0)), generator=generator)
        if getattr(result, "nsfw_content_detected", None) and any(result.nsfw_content_detected):
            raise ProviderError("diffusers: the safety checker blanked the image")
        buffer = io.BytesIO()
        result.images[0].save(buffer, format="PNG")
        return buffer.getvalue()

    def test_connection(self) -> tuple[bool, str]:
        try:
            pipeline = self.client
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"loaded {type(pipeline).__name__}"
