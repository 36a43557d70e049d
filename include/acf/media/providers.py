"""Image and voice providers by tier-chain name, and the local ones that end every chain.

Remote providers come from the hooks (``plugins/hooks``): each module offers
``client_from_connection()`` returning a client, or None when its Connection is
missing (the chain then skips it). The import is lazy, so plain-Python callers
never load Airflow.

Client protocols:
- image: ``generate_image(prompt, width, height) -> bytes`` (PNG or JPEG)
- voice: ``synthesize(text, language) -> tuple[bytes, str]`` (audio, format such as "mp3" or "wav")
"""
from __future__ import annotations

import importlib
import logging
from typing import Any, Callable

log = logging.getLogger(__name__)

IMAGE_HOOKS = {"diffusers": "hooks.diffusers_image", "leonardo": "hooks.leonardo",
               "openai_images": "hooks.openai_images"}
VOICE_HOOKS = {"gtts": "hooks.gtts", "azure": "hooks.azure_speech", "elevenlabs": "hooks.elevenlabs"}

Resolver = Callable[[str, str], Any]   # (modality, provider name) -> client | None


def connection_resolver(modality: str, name: str) -> Any:
    """A remote client for ``name`` or None (no Connection, unknown name, or hook not importable)."""
    table = IMAGE_HOOKS if modality == "image" else VOICE_HOOKS
    if name not in table:
        return None
    try:
        module = importlib.import_module(table[name])
    except ImportError as exc:
        log.warning("%s provider %s unavailable: %s", modality, name, exc)
        return None
    return module.client_from_connection()


def offline_resolver(modality: str, name: str) -> Any:
    return None
