"""Azure AI Speech hook (voice): the text-to-speech REST API with SSML, WAV answers.

Connection: password = subscription key, host = base URL (empty = https://<region>.tts.speech.microsoft.com),
extras: region (default eastus), voice (default en-US-JennyNeural; per language: voices = {"de": "..."}),
output_format (default riff-24khz-16bit-mono-pcm), max_retries (default 3), timeout (s).
"""
from __future__ import annotations

from functools import cached_property
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from airflow.sdk import BaseHook

from acf.media.http import ProviderError, base_url, call, session
from acf.redaction import redact, register_connection

DEFAULT_VOICE = "en-US-JennyNeural"
DEFAULT_FORMAT = "riff-24khz-16bit-mono-pcm"


def ssml(text: str, voice: str, language: str) -> str:
    """SSML with the narration escaped (it is data, never markup)."""
    return (f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang={quoteattr(language)}>"
            f"<voice name={quoteattr(voice)}>{escape(text)}</voice></speak>")


class AzureSpeechHook(BaseHook):
    conn_name_attr = "azure_speech_conn_id"
    default_conn_name = "acf_azure_speech"
    conn_type = "acf_azure_speech"
    hook_name = "Azure AI Speech (AI Content Factory)"

    def __init__(self, azure_speech_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.azure_speech_conn_id = azure_speech_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.azure_speech_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        http = session(int(self.extras.get("max_retries", 3)))
        http.headers.update({"Ocp-Apim-Subscription-Key": self.connection.password or "",
                             "User-Agent": "ai-content-factory"})
        return http

    def get_conn(self):
        return self.client

    @property
    def url(self) -> str:
        region = self.extras.get("region", "eastus")
        return base_url(self.connection.host, f"https://{region}.tts.speech.microsoft.com")

    def voice_for(self, language: str) -> str:
        return (self.extras.get("voices") or {}).get(language) or self.extras.get("voice", DEFAULT_VOICE)

    def synthesize(self, text: str, language: str = "en") -> tuple[bytes, str]:
        fmt = self.extras.get("output_format", DEFAULT_FORMAT)
        response = call(self.client, "POST",
            f"{self.url}/cognitiveservices/v1", "azure speech", data=ssml(text, self.voice_for(language), language).encode(),
            headers={"Content-Type": "application/ssml+xml", "X-Microsoft-OutputFormat": fmt},
            timeout=float(self.extras.get("timeout", 60)))
        if not response.content:
            raise ProviderError("azure speech: empty audio")
        return response.content, "wav" if fmt.startswith("riff") else "mp3"

    def synthesize_timed(self, text: str, language: str = "en") -> tuple[bytes, str, list]:
        """Word boundaries come only from the Speech SDK's streaming events, not this REST endpoint: one
        request per sentence instead, joined, words timed within their sentence (as for gTTS)."""
        from acf.media.audio import speak_by_sentence

        return speak_by_sentence(self.synthesize, text, language)

    def test_connection(self) -> tuple[bool, str]:
        try:
            voices = call(self.client, "GET", f"{self.url}/cognitiveservices/voices/list", "azure voices", timeout=30).json()
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(voices)} voices"
