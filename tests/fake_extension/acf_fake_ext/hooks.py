"""The extension's hooks: a voice that writes a tone per word (and logs what it said), a platform that
posts into a folder."""
from __future__ import annotations

import io
import json
import math
import struct
import wave
from functools import cached_property
from pathlib import Path

from airflow.sdk import BaseHook

from acf.publishing.models import UploadOutcome


class FakeVoiceHook(BaseHook):
    conn_name_attr = "fake_voice_conn_id"
    default_conn_name = "acf_fake_voice"
    conn_type = "acf_fake_voice"
    hook_name = "Fake voice (extension)"

    def __init__(self, fake_voice_conn_id: str = default_conn_name, **kwargs):
        super().__init__(**kwargs)
        self.fake_voice_conn_id = fake_voice_conn_id

    @cached_property
    def connection(self):
        return self.get_connection(self.fake_voice_conn_id)

    def synthesize(self, text: str, language: str = "en") -> tuple[bytes, str]:
        rate, seconds = 22050, max(1.0, 0.35 * len(text.split()))
        frames = b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * 220 * i / rate)))
                          for i in range(int(rate * seconds)))
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(frames)
        log_file = self.connection.extra_dejson.get("log_file")
        if log_file:
            with open(log_file, "a", encoding="utf-8") as log:
                log.write(json.dumps({"text": text, "language": language}) + "\n")
        return buffer.getvalue(), "wav"


class FakeUploader:
    platform = "fakeplatform"
    account = "fake-account"

    def __init__(self, post_dir: Path):
        self.post_dir = post_dir

    def _post(self, package) -> Path:
        return self.post_dir / f"{package.content_id}.json"

    def lookup(self, package, upload_state, marker):
        if self._post(package).exists():
            return UploadOutcome("published", f"fake-{package.content_id}", self._post(package).as_uri())
        return None

    def upload(self, package, upload_state, marker, checkpoint):
        self.post_dir.mkdir(parents=True, exist_ok=True)
        self._post(package).write_text(json.dumps({"title": package.title, "caption": package.description,
                                                   "video": package.rendition_key, "marker": marker}))
        return UploadOutcome("published", f"fake-{package.content_id}", self._post(package).as_uri())


class FakeMetrics:
    def __init__(self, post_dir: Path):
        self.post_dir = post_dir

    def fetch_post_metrics(self, external_ids):
        return {i: {"plays": 42, "hearts": 7, "replies": 1} for i in external_ids
                if (self.post_dir / f"{i.removeprefix('fake-')}.json").exists()}


class FakePlatformHook(BaseHook):
    conn_name_attr = "fakeplatform_conn_id"
    default_conn_name = "acf_fakeplatform"
    conn_type = "acf_fakeplatform"
    hook_name = "Fake platform (extension)"

    def __init__(self, fakeplatform_conn_id: str = default_conn_name, **kwargs):
        super().__init__(**kwargs)
        self.fakeplatform_conn_id = fakeplatform_conn_id

    @cached_property
    def connection(self):
        return self.get_connection(self.fakeplatform_conn_id)

    @property
    def post_dir(self) -> Path:
        return Path(self.connection.extra_dejson["post_dir"])

    def uploader(self, root):
        return FakeUploader(self.post_dir)

    def metrics_source(self):
        return FakeMetrics(self.post_dir)
