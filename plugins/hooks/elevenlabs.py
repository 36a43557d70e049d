"""ElevenLabs hook (voice): text-to-speech over REST, MP3 answers.

Connection: password = API key, host = base URL (empty = https://api.elevenlabs.io),
extras: voice_id (default Rachel, 21m00Tcm4TlvDq8ikWAM), model_id (default eleven_multilingual_v2),
output_format (default mp3_44100_128), max_retries (default 3), timeout (s).
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.http import ProviderError, base_url, call, session
from acf.redaction import redact, register_connection

DEFAULT_URL = "https://api.elevenlabs.io"
DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"
DEFAULT_MODEL = "eleven_multilingual_v2"


class ElevenLabsHook(BaseHook):
    conn_name_attr = "elevenlabs_conn_id"
    default_conn_name = "acf_elevenlabs"
    conn_type = "acf_elevenlabs"
    hook_name = "ElevenLabs (AI Content Factory)"

    def __init__(self, elevenlabs_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.elevenlabs_conn_id = elevenlabs_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.elevenlabs_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        http = session(int(self.extras.get("max_retries", 3)))
        http.headers.update({"xi-api-key": self.connection.password or ""})
        return http

    def get_conn(self):
        return self.client

    @property
    def url(self) -> str:
        return base_url(self.connection.host, DEFAULT_URL)

    def synthesize(self, text: str, language: str = "en") -> tuple[bytes, str]:
        voice = self.extras.get("voice_id", DEFAULT_VOICE)
        fmt = self.extras.get("output_format", "mp3_44100_128")
        response = call(self.client, "POST",
            f"{self.url}/v1/text-to-speech/{voice}", "elevenlabs", params={"output_format": fmt},
            json={"text": text, "model_id": self.extras.get("model_id", DEFAULT_MODEL), "language_code": language},
            headers={"Accept": "audio/mpeg"}, timeout=float(self.extras.get("timeout", 60)))
        if not response.content:
            raise ProviderError("elevenlabs: empty audio")
        return response.content, fmt.split("_")[0]

    def test_connection(self) -> tuple[bool, str]:
        try:
            voices = call(self.client, "GET", f"{self.url}/v1/voices", "elevenlabs voices", timeout=30).json()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(voices.get('voices', []))} voices"
