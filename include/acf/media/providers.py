"""Image and voice providers: the clients a tier chain's names resolve to.

The DAG tasks pass a resolver (``hooks.configured.media_client``) that returns the
hook of a configured provider, or None when it has no Connection (the chain then
skips it); ``local`` ends every chain and is made here, in plain Python.

Client protocols:
- image: ``generate_image(prompt, width, height) -> bytes`` (PNG or JPEG). A provider whose images are
  made asynchronously (Leonardo) also offers the wait in parts, so a task can wait without holding a
  worker: ``submit_image(prompt, width, height) -> dict`` (the job's ids, JSON, nothing secret),
  ``check_image(job) -> "complete" | "failed" | None`` (one look; None = still pending),
  ``fetch_image(job) -> bytes``, and ``poll_seconds`` / ``wait_seconds`` (how often to look, for how long).
- voice: ``synthesize(text, language) -> tuple[bytes, str]`` (audio, format such as "mp3" or "wav");
  a client that knows when each word is spoken also offers ``synthesize_timed(text, language) ->
  tuple[bytes, str, list[acf.media.words.Word]]`` (ElevenLabs, gTTS), which production prefers.
"""
from __future__ import annotations

from typing import Any, Callable

Resolver = Callable[[str, str], Any]   # (modality, provider name) -> client | None


def no_remote_clients(modality: str, name: str) -> None:
    """The resolver of plain-Python callers: only the local renderer and voice are available."""
    return None
