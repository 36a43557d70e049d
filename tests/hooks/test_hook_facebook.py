"""FacebookHook against the loopback Graph API stand-in (reels and page videos in phases)."""
from __future__ import annotations

import json

import pytest
from airflow.sdk import Connection

from acf import storage
from acf.publishing.models import ContentSource, PlatformPackage, RenditionRef
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.publisher import publish
from hooks.facebook import FacebookHook
from stand_ins.base import Fault
from stand_ins.facebook import FacebookStandIn

KB = 1024


@pytest.fixture
def server():
    with FacebookStandIn(page_id="1001", video_chunk=64 * KB) as stand_in:
        yield stand_in


@pytest.fixture
def video(object_root):
    return storage.put_bytes(object_root, "renditions/cp_fb/9x16.mp4", b"v" * (150 * KB)).key


@pytest.fixture
def piece(pg_conn):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_fb', 'budget', 30, 'ready')")
    pg_conn.commit()
    return pg_conn


def connect(monkeypatch, server):
    conn = Connection(conn_id="acf_facebook", conn_type="acf_facebook", host=f"{server.url}/v21.0",
                      login="app-id", password="app-secret",
                      extra=json.dumps({"access_token": "fb-long-lived-1", "page_id": "1001"}))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_FACEBOOK", conn.get_uri())


def package(key, post_type="reel"):
    return PlatformPackage("cp_fb", "facebook", "Espresso", "What do you think about espresso?", [], key, None,
                           "9:16", {"post_type": post_type})


def uploader(object_root):
    return FacebookHook().uploader(object_root, sleep=lambda s: None, poll_seconds=0)


def test_reel_start_upload_finish(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "published" and result.url.endswith(f"/reel/{result.external_id}")
    (published,) = server.published
    assert published["bytes"] == 150 * KB and server.protocol_errors == []
    rupload = server.requests_to(r"^/video-upload/")[0]
    assert rupload.headers["authorization"].startswith("OAuth ") and rupload.headers["offset"] == "0"


@pytest.mark.parametrize("fault", [Fault.server_error(500), Fault.too_many(retry_after=0), Fault.cut(),
                                   Fault.malformed()], ids=["500", "429", "cut", "malformed"])
def test_reel_upload_retried_after_a_fault_keeps_its_credentials(monkeypatch, server, video, object_root, piece,
                                                                  fault):
    """Found by the chaos run's publishing at volume: a retried rupload went out without its
    ``Authorization: OAuth`` header (the retry loop dropped every caller header of that name), or resent the
    bytes from the old offset; then finish came before every byte and the stand-in refused it."""
    connect(monkeypatch, server)
    server.faults.add(fault, path=r"^/video-upload/")
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "published" and len(server.published) == 1
    assert server.published[0]["bytes"] == 150 * KB and server.protocol_errors == []


def test_page_video_transfers_in_server_chunks_with_faults(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.server_error(500), path=r"/videos$")   # start fails once
    server.faults.add(Fault.cut(), path=r"/videos$")               # start stored, answer lost: starts again
    server.faults.add(Fault.too_many(retry_after=0), path=r"/videos$")
    result = publish(piece, package(video, "video"), uploader(object_root))
    assert result.state == "published" and len(server.published) == 1
    assert server.protocol_errors == []


def test_lost_finish_answer_is_reconciled(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.cut(), path=r"/video_reels$", times=1)  # start answer lost: a fresh start is harmless
    up = uploader(object_root)
    original = up.api.call

    def lose_finish(method, path, **kwargs):
        answer = original(method, path, **kwargs)
        if (kwargs.get("data") or {}).get("upload_phase") == "finish":
            raise ConnectionError("answer lost after finish")
        return answer

    up.api.call = lose_finish
    with pytest.raises(ConnectionError):
        publish(piece, package(video), up)
    assert len(server.published) == 1
    again = publish(piece, package(video), uploader(object_root))
    assert again.state == "published" and len(server.published) == 1 and server.duplicates() == 0
    finishes = [r for r in server.requests_to(r"/video_reels$") if b"upload_phase=finish" in r.body]
    assert len(finishes) == 1


def test_reel_limit_defers(monkeypatch, server, video, object_root, piece):
    connect(monkeypatch, server)
    server.reels_per_day = 0
    result = publish(piece, package(video), uploader(object_root))
    assert result.state == "deferred"


@pytest.mark.parametrize("providers, disclosed", [({"voice": ["elevenlabs"]}, True), ({"voice": ["local"]}, False)])
def test_description_sent_carries_the_ai_line_for_a_model_made_piece(monkeypatch, server, video, object_root, piece,
                                                                     providers, disclosed):
    source = ContentSource("cp_fb", "Espresso at home", {"hook": "Crema in 30 s"},
                           [RenditionRef("9:16", video, 30.0, 1080, 1920)], ["facebook"],
                           term="espresso", media_providers=providers)
    connect(monkeypatch, server)
    assert publish(piece, ContentOptimizer().package(source, "facebook"), uploader(object_root)).state == "published"
    assert ("Made with AI tools." in server.published[0]["description"]) is disclosed


def test_a_finish_the_server_never_got_is_sent_again(monkeypatch, server, video, object_root, piece):
    """finish_sent is saved before the call; when that call never reached Facebook (a 500 before it was
    handled), the video is uploaded but not processing: it is finished again, not taken for "processing"
    (bench-publish left 2 of 400 posts in processing forever before this was told apart)."""
    connect(monkeypatch, server)
    up = uploader(object_root)
    original = up.api.call

    def finish_refused(method, path, **kwargs):
        if (kwargs.get("data") or {}).get("upload_phase") == "finish":
            raise ConnectionError("finish never reached the server")
        return original(method, path, **kwargs)

    up.api.call = finish_refused
    with pytest.raises(ConnectionError):
        publish(piece, package(video), up)
    assert server.published == []
    again = publish(piece, package(video), uploader(object_root))
    assert again.state == "published" and len(server.published) == 1
