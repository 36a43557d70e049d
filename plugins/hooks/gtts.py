"""gTTS hook (voice): Google Translate's text-to-speech through the gTTS library, MP3 answers.

gTTS needs no key; the Connection turns it on for a tier chain and carries options.
Connection: host = base URL of the translate endpoint (empty = https://translate.google.<tld>),
extras: tld (default com), slow (default false), lang overrides ({"pt": "pt-BR"}).

gTTS reports no timing; ``synthesize_timed`` asks once per sentence instead, so each sentence
starts where its audio does and only the words within it are spread by length.
"""
from __future__ import annotations

import io
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook

from acf.media.http import ProviderError
from acf.redaction import redact, register_connection

BATCH_PATH = "/_/TranslateWebserverUi/data/batchexecute"


def _gtts_class(host: str | None):
    from gtts import gTTS

    if not host:
        return gTTS
    base = (host if "://" in host else f"https://{host}").rstrip("/")

    class HostedGTTS(gTTS):
        """gTTS sending its batchexecute requests to the Connection's host (a mirror or a stand-in)."""

        def _prepare_requests(self):
            prepared = super()._prepare_requests()
            for request in prepared:
                request.prepare_url(base + BATCH_PATH, None)
            return prepared

    return HostedGTTS


class GTTSHook(BaseHook):
    conn_name_attr = "gtts_conn_id"
    default_conn_name = "acf_gtts"
    conn_type = "acf_gtts"
    hook_name = "gTTS (AI Content Factory)"

    def __init__(self, gtts_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gtts_conn_id = gtts_conn_id

    @cached_property
    def connection(self):
        return register_connection(self.get_connection(self.gtts_conn_id))

    @cached_property
    def extras(self) -> dict:
        return self.connection.extra_dejson

    @cached_property
    def client(self):
        return _gtts_class(self.connection.host)

    def get_conn(self):
        return self.client

    def synthesize(self, text: str, language: str = "en") -> tuple[bytes, str]:
        from gtts import gTTSError

        lang = (self.extras.get("lang") or {}).get(language, language)
        buffer = io.BytesIO()
        try:
            self.client(text, lang=lang, tld=self.extras.get("tld", "com"), slow=bool(self.extras.get("slow")),
                        lang_check=False).write_to_fp(buffer)
        except (gTTSError, AssertionError) as exc:
            raise ProviderError(f"gtts: {exc}") from None
        if not buffer.getvalue():
            raise ProviderError("gtts: empty audio")
        return buffer.getvalue(), "mp3"

    def synthesize_timed(self, text: str, language: str = "en") -> tuple[bytes, str, list]:
        """One request per sentence, joined into one WAV; words timed within their sentence."""
        from acf.media.audio import speak_by_sentence

        return speak_by_sentence(self.synthesize, text, language)

    def test_connection(self) -> tuple[bool, str]:
        try:
            audio, _ = self.synthesize("ok")
        except Exception as exc:  # noqa: BLE001 - reported to the UI
            return False, redact(f"{type(exc).__name__}: {exc}")
        return True, f"connected; {len(audio)} bytes of audio"
