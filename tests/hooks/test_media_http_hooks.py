"""Image and voice hooks through their real clients against loopback stand-ins, with faults."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from acf.media import audio, production
from acf.media.http import ProviderError
from hooks import azure_speech, elevenlabs, gtts, leonardo, openai_images
from hooks.configured import media_client
from stand_ins import media_samples
from stand_ins.azure_speech import AzureSpeechStandIn
from stand_ins.base import Fault
from stand_ins.elevenlabs import ElevenLabsStandIn
from stand_ins.gtts import GTTSStandIn
from stand_ins.leonardo import LeonardoStandIn
from stand_ins.openai import connection_env
from stand_ins.openai_images import OpenAIImagesStandIn


def _image(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.std() > 1
    return image


@pytest.fixture
def leo(monkeypatch):
    with LeonardoStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_leonardo", "acf_leonardo", server.url + "/api/rest/v1",
                                           server.api_key, poll_seconds=0, max_retries=2))
        yield server


def test_leonardo_creates_polls_and_downloads(leo):
    hook = media_client("image", "leonardo")
    _image(hook.generate_image("a sun", 1080, 1920))
    created = leo.requests_to(r"/generations$")[0].json()
    assert (created["width"], created["height"]) == (864, 1536)      # 9:16 within the API's limits
    assert len(leo.requests_to(r"/generations/gen-")) == 2            # PENDING, then COMPLETE
    assert hook.test_connection()[0]


def test_leonardo_retries_429_and_5xx(leo):
    leo.faults.add(Fault.too_many(retry_after=0), path=r"/generations$")
    leo.faults.add(Fault.server_error(503), path=r"/generations/")
    _image(media_client("image", "leonardo").generate_image("a sun", 512, 512))
    assert len(leo.requests_to(r"/generations$")) == 2


def test_leonardo_bad_key_and_malformed_body_are_provider_errors(leo, monkeypatch):
    leo.faults.add(Fault.malformed(b'{"sdGeneration'), path=r"/generations$")
    with pytest.raises(Exception):
        media_client("image", "leonardo").generate_image("x", 512, 512)
    monkeypatch.setenv(*connection_env("acf_leonardo", "acf_leonardo", leo.url + "/api/rest/v1", "wrong"))
    with pytest.raises(ProviderError, match="HTTP 401"):
        media_client("image", "leonardo").generate_image("x", 512, 512)


def test_no_connection_means_not_available(monkeypatch):
    for name in ("LEONARDO", "OPENAI_IMAGES", "AZURE_SPEECH", "ELEVENLABS", "GTTS"):
        monkeypatch.delenv(f"AIRFLOW_CONN_ACF_{name}", raising=False)
    assert media_client("image", "leonardo") is None
    assert media_client("image", "openai_images") is None
    assert media_client("voice", "azure") is None
    assert media_client("voice", "elevenlabs") is None
    assert media_client("voice", "gtts") is None


def test_openai_images_through_the_sdk(monkeypatch):
    with OpenAIImagesStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_openai_images", "acf_openai_images", server.url + "/v1",
                                           server.api_key, max_retries=2))
        server.faults.add(Fault.too_many(retry_after=0), path=r"/images/generations")
        _image(media_client("image", "openai_images").generate_image("a sun", 1080, 1920))
        sent = server.requests_to(r"/images/generations")
        assert len(sent) == 2 and sent[-1].json()["size"] == "1024x1536"
        assert server.api_key not in repr(media_client("image", "openai_images").extras)


def test_azure_speech_sends_escaped_ssml_and_gets_wav(monkeypatch, tmp_path):
    with AzureSpeechStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_azure_speech", "acf_azure_speech", server.url, server.api_key))
        server.faults.add(Fault.server_error(500), path=r"/cognitiveservices/v1")
        data, fmt = media_client("voice", "azure").synthesize("Tom & Jerry <b>now</b>", "en")
        assert fmt == "wav" and server.spoken == ["Tom & Jerry <b>now</b>"]   # text, not markup
        assert audio.to_wav(data, fmt, tmp_path / "a.wav") == pytest.approx(1.0, abs=0.05)


def test_azure_speech_is_timed_per_sentence(monkeypatch, tmp_path):
    with AzureSpeechStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_azure_speech", "acf_azure_speech", server.url, server.api_key))
        data, fmt, words = media_client("voice", "azure").synthesize_timed("Solar flares. They matter a lot.", "en")
        assert server.spoken == ["Solar flares.", "They matter a lot."]       # one request per sentence
        assert audio.to_wav(data, fmt, tmp_path / "a.wav") == pytest.approx(2.0, abs=0.05)   # two 1 s answers
        assert [w.text for w in words] == "Solar flares. They matter a lot.".split()
        assert words[2].start == pytest.approx(1.0, abs=0.01) and words[1].start < 1.0


def test_elevenlabs_mp3_becomes_a_wav_with_its_duration(monkeypatch, tmp_path):
    with ElevenLabsStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_elevenlabs", "acf_elevenlabs", server.url, server.api_key))
        server.faults.add(Fault.cut(), path=r"/v1/text-to-speech/")
        hook = media_client("voice", "elevenlabs")
        data, fmt = hook.synthesize("Hello there", "en")
        assert fmt == "mp3"
        assert audio.to_wav(data, fmt, tmp_path / "e.wav") == pytest.approx(1.0, abs=0.1)
        monkeypatch.setenv(*connection_env("acf_elevenlabs", "acf_elevenlabs", server.url, "bad-key"))
        with pytest.raises(ProviderError, match="HTTP 401") as err:
            media_client("voice", "elevenlabs").synthesize("Hello", "en")
        assert "bad-key" not in str(err.value)


def test_elevenlabs_with_timestamps_gives_each_word_its_start(monkeypatch, tmp_path):
    with ElevenLabsStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_elevenlabs", "acf_elevenlabs", server.url, server.api_key))
        data, fmt, words = media_client("voice", "elevenlabs").synthesize_timed("Hello there", "en")
        assert fmt == "mp3" and audio.to_wav(data, fmt, tmp_path / "t.wav") == pytest.approx(1.0, abs=0.1)
        assert [(w.text, w.start) for w in words] == [("Hello", 0.0), ("there", round(6 / 11, 3))]


def test_gtts_library_against_the_batchexecute_stand_in(monkeypatch, tmp_path):
    with GTTSStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_gtts", "acf_gtts", server.url, ""))
        data, fmt = media_client("voice", "gtts").synthesize("Solar flares, explained.", "en")
        assert server.texts == [("Solar flares, explained.", "en")]
        assert audio.to_wav(data, fmt, tmp_path / "g.wav") > 0.3
        server.faults.add(Fault.server_error(500))
        with pytest.raises(ProviderError, match="gtts"):
            media_client("voice", "gtts").synthesize("again", "en")


def test_gtts_is_timed_per_sentence(monkeypatch, tmp_path):
    with GTTSStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_gtts", "acf_gtts", server.url, ""))
        data, fmt, words = media_client("voice", "gtts").synthesize_timed("Solar flares. They matter a lot.", "en")
        assert [t for t, _ in server.texts] == ["Solar flares.", "They matter a lot."]
        seconds = audio.to_wav(data, fmt, tmp_path / "s.wav")
        first_of_second = words[2]
        assert [w.text for w in words] == "Solar flares. They matter a lot.".split()
        assert first_of_second.start == pytest.approx(seconds / 2, abs=0.1)   # two equal samples joined


def test_voice_chain_falls_back_to_local_when_remote_fails(monkeypatch, pg_conn, object_root):
    with ElevenLabsStandIn() as server:
        monkeypatch.setenv(*connection_env("acf_elevenlabs", "acf_elevenlabs", server.url, server.api_key,
                                           max_retries=0))
        server.faults.always(Fault.server_error(500))
        media_samples.insert_opportunity(pg_conn)
        plan = production.plan_content(pg_conn, tier="premium")
        production.store_script(pg_conn, object_root, plan, media_samples.tiny_script())
        tiers = {"premium": {"voice": ["elevenlabs", "local"]}}
        production.make_voice(pg_conn, object_root, plan.content_id, 0, tiers=tiers, resolver=media_client)
        row = pg_conn.execute("SELECT provider, meta FROM acf.assets WHERE kind = 'voice'").fetchone()
        assert row[0] == "local" and row[1]["skipped"][0][0] == "elevenlabs"
