"""ElevenLabs hook (voice): text-to-speech over REST, MP3 answers.

``synthesize_timed`` asks the with-timestamps endpoint instead: the same audio (base64 in JSON)
with each character's start and end, which become the narration's word timing for captions.

Connection: password = API key, host = base URL (empty = https://api.elevenlabs.io),
extras: voice_id (default Rachel, 21m00Tcm4TlvDq8ikWAM), model_id (default eleven_multilingual_v2),
output_format (default mp3_44100_128), max_retries (default 3), timeout (s).
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.words import Word, from_character_times

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

    def synthesize_timed(self, text: str, language: str = "en") -> tuple[bytes, str, list[Word]]:
        """Audio and word timing: POST /v1/text-to-speech/{voice_id}/with-timestamps answers
        ``{"audio_base64", "alignment": {"characters", "character_start_times_seconds",
        "character_end_times_seconds"}}`` (``normalized_alignment`` when the text was normalised)."""
        import base64

        voice = self.extras.get("voice_id", DEFAULT_VOICE)
        fmt = self.extras.get("output_format", "mp3_44100_128")
        body = call(self.client, "POST", f"{self.url}/v1/text-to-speech/{voice}/with-timestamps",
                    "elevenlabs", params={"output_format": fmt},
                    json={"text": text, "model_id": self.extras.get("model_id", DEFAULT_MODEL),
                          "language_code": language},
                    timeout=float(self.extras.get("timeout", 60))).json()
        try:
            audio = base64.b64decode(body["audio_base64"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"elevenlabs: no audio in the with-timestamps answer ({type(exc).__name__})") from None
        if not audio:
            raise ProviderError("elevenlabs: empty audio")
        alignment = body.get("alignment") or body.get("normalized_alignment") or {}
        try:
            words = from_character_times(text, alignment["characters"], alignment["character_start_times_seconds"],
                                         alignment["character_end_times_seconds"])
        except (KeyError, IndexError, TypeError, ValueError):
            words = []   # audio without usable timing: the captions are spread instead
        return audio, fmt.split("_")[0], words

    def test_connection(self) -> tuple[bool, str]:
        try:
            voices = call(self.client, "GET", f"{self.url}/v1/voices", "elevenlabs voices", timeout=30).json()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(voices.get('voices', []))} voices"
