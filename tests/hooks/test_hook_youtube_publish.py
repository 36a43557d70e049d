"""YouTubePublishHook through google-api-python-client against the loopback upload stand-in."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk import Connection

from acf import storage
from acf.publishing import ledger
from acf.publishing.models import PlatformPackage
from acf.publishing.publisher import publish
from hooks.youtube_publish import YouTubePublishHook
from stand_ins.base import Fault
from stand_ins.youtube_upload import YouTubeUploadStandIn

KB = 1024
SIZE = 700 * KB  # three chunks of 256 KB (the last shorter)


@pytest.fixture
def server():
    with YouTubeUploadStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def media(object_root):
    video = storage.put_bytes(object_root, "renditions/cp_yt/9x16.mp4", (bytes(range(256)) * (SIZE // 256 + 1))[:SIZE])
    thumb = storage.put_bytes(object_root, "assets/cp_yt/thumbnail.jpg", b"\xff\xd8\xff" + b"t" * 100)
    return video.key, thumb.key


@pytest.fixture
def piece(pg_conn):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_yt', 'budget', 30, 'ready')")
    pg_conn.commit()
    return pg_conn


def connect(monkeypatch, server, expires_in=timedelta(hours=1)):
    extras = {"access_token": "yt-access-1", "refresh_token": "yt-refresh-1", "token_uri": f"{server.url}/token",
              "token_expires_at": (datetime.now(timezone.utc) + expires_in).isoformat(), "account": "channel-1",
              "chunk_size": 256 * KB}
    conn = Connection(conn_id="acf_youtube_upload", conn_type="acf_youtube_upload", host=server.url + "/",
                      login="client-id", password="client-secret", extra=json.dumps(extras))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_YOUTUBE_UPLOAD", conn.get_uri())


def package(media, **extra):
    video, thumb = media
    return PlatformPackage("cp_yt", "youtube", "Home espresso: why it booms", "Desc #Shorts", ["home espresso"],
                           video, thumb, "9:16", {"category_id": "26", "privacy_status": "private",
                                                  "self_declared_made_for_kids": False, "language": "en", **extra})


def uploader(object_root):
    return YouTubePublishHook().uploader(object_root, sleep=lambda s: None)


def test_resumable_upload_in_256k_chunks_with_explicit_flags(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "published" and result.url.endswith(result.external_id)
    (video,) = server.videos.values()
    assert video["status"]["privacyStatus"] == "private" and video["status"]["selfDeclaredMadeForKids"] is False
    ranges = [r.headers["content-range"] for r in server.requests if r.method == "PUT"]
    assert ranges == ["bytes 0-262143/716800", "bytes 262144-524287/716800", "bytes 524288-716799/716800"]
    assert server.thumbnails == {video["id"]: 1} and server.protocol_errors == []
    marker = ledger.get(piece, result.publication_id)["marker"]
    assert marker in video["snippet"]["tags"]


def test_500_and_cut_chunk_resume_from_server_range(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.server_error(503), path=r"/upload/youtube/v3/videos$")  # the session open
    server.faults.add(Fault.cut(), path=r"/sessions/")            # chunk 0 stored, answer cut
    server.faults.add(Fault.server_error(500), path=r"/sessions/")  # the Range query after it
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "published" and len(server.videos) == 1 and server.protocol_errors == []
    status_queries = [r for r in server.requests if r.headers.get("content-range", "").startswith("bytes */")]
    assert status_queries, "the client must ask the server where the upload stands"
    chunk_starts = [r.headers["content-range"].split()[1].split("-")[0] for r in server.requests
                    if r.method == "PUT" and not r.headers["content-range"].startswith("bytes */")]
    assert chunk_starts.count("0") == 1  # chunk 0 was never sent twice: resumed from the server's Range


def test_a_malformed_answer_to_the_last_chunk_is_a_retry_that_finds_the_video(monkeypatch, server, media, object_root,
                                                                             piece):
    """Found by the soak: the last chunk answered 200 with a body that did not parse crashed the task with a
    TypeError; it is a transient failure, and the retry finds the complete upload through the session."""
    from acf.publishing.errors import TransientPublishError

    connect(monkeypatch, server)
    chunks = -(-SIZE // (256 * 1024))
    for _ in range(chunks - 1):
        server.faults.add(Fault("none"), path=r"/sessions/")   # let the chunks before the last one through
    server.faults.add(Fault.malformed(), path=r"/sessions/")
    with pytest.raises(TransientPublishError):
        publish(piece, package(media), uploader(object_root))
    again = publish(piece, package(media), uploader(object_root))
    assert again.state == "published" and list(server.videos) == [again.external_id]
    assert server.duplicates() == 0 and server.protocol_errors == []


def test_kill_mid_upload_then_retry_resumes_the_session(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    up = uploader(object_root)

    class Killed(BaseException):
        pass

    def die_after_two_chunks(pub_id=None):
        original = ledger.save_upload_state

        def save(conn, pid, state):
            original(conn, pid, state)
            if state.get("bytes_confirmed", 0) >= 512 * KB:
                raise Killed()
        return save

    monkeypatch.setattr(ledger, "save_upload_state", die_after_two_chunks())
    with pytest.raises(Killed):
        publish(piece, package(media), up)
    monkeypatch.undo()
    connect(monkeypatch, server)
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "published" and len(server.videos) == 1 and server.inserts == 1
    chunk_puts = [r for r in server.requests if r.method == "PUT" and not r.headers["content-range"].startswith("bytes */")]
    assert len(chunk_puts) == 3


def test_lost_final_answer_is_found_by_marker(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    pkg = package(media)
    first = publish(piece, pkg, uploader(object_root))
    piece.execute("UPDATE acf.publications SET state = 'uploading', external_id = NULL,"
                  " upload_state = '{\"insert_sent\": true, \"quota_spent\": \"x\"}'")
    piece.commit()
    again = publish(piece, pkg, uploader(object_root))
    assert again.state == "published" and again.external_id == first.external_id
    assert server.inserts == 1 and server.duplicates() == 0


def test_quota_exceeded_defers_until_pacific_midnight(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    server.inserts = server.daily_inserts  # the videos.insert bucket is used up; the 10,000 units are not
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "deferred" and "uploadLimitExceeded" in result.error and "inserts" in result.error
    row = piece.execute("SELECT deferred_until FROM acf.publications").fetchone()
    assert row[0].astimezone(timezone(timedelta(hours=-8))).hour in (0, 1)  # midnight Pacific (PST/PDT)
    assert server.videos == {}


def test_expired_token_is_refreshed_and_revoked_refresh_needs_reauth(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server, expires_in=timedelta(seconds=-5))
    assert publish(piece, package(media), uploader(object_root)).state == "published"
    assert len(server.requests_to(r"^/token$")) == 1
    piece.execute("TRUNCATE acf.publications CASCADE")
    piece.commit()
    server.refresh_tokens.clear()
    server.valid_tokens.clear()  # the token also dies mid-run
    connect(monkeypatch, server)
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "needs_reauth" and "re-authorise" in result.error
    assert "yt-refresh-1" not in result.error


def test_token_expiring_mid_upload_is_refreshed_and_the_upload_goes_on(monkeypatch, server, media, object_root, piece):
    connect(monkeypatch, server)
    original = server._chunk

    def expire_after_first_chunk(request):
        answer = original(request)
        if answer.status == 308:
            server.valid_tokens.discard("yt-access-1")  # the access token dies between chunks
        return answer

    server.routes = [(m, p, expire_after_first_chunk if h == original else h) for m, p, h in server.routes]
    result = publish(piece, package(media), uploader(object_root))
    assert result.state == "published" and len(server.videos) == 1
    assert len(server.requests_to(r"^/token$")) == 1 and server.protocol_errors == []


@pytest.mark.parametrize("ai_generated", [True, False])
def test_ai_made_media_is_declared_in_status(monkeypatch, server, media, object_root, piece, ai_generated):
    connect(monkeypatch, server)
    assert publish(piece, package(media, ai_generated=ai_generated), uploader(object_root)).state == "published"
    (video,) = server.videos.values()
    assert video["status"]["containsSyntheticMedia"] is ai_generated


def test_a_429_with_a_short_retry_after_is_waited_out_not_deferred(monkeypatch, server, media, object_root, piece):
    """A rate limit that says to come back in 0 s is a retry, not a 15-minute block of the whole account
    (bench-publish deferred 98 YouTube uploads behind one injected 429 before this)."""
    connect(monkeypatch, server)
    server.faults.add(Fault.too_many(retry_after=0), path=r"^/upload/youtube/v3/videos$")
    server.faults.add(Fault.too_many(retry_after=0), path=r"/thumbnails/set$")
    waits = []
    result = publish(piece, package(media), YouTubePublishHook().uploader(object_root, sleep=waits.append))
    assert result.state == "published" and len(server.videos) == 1
    assert piece.execute("SELECT count(*) FROM acf.quota_blocks").fetchone()[0] == 0
    # Without Retry-After (or a long one) it is still a deferral with its reason.
    piece.execute("TRUNCATE acf.publications CASCADE")
    piece.commit()
    server.faults.add(Fault.too_many(retry_after=None), path=r"^/upload/youtube/v3/videos$")
    deferred = publish(piece, package(media, title_suffix=1), YouTubePublishHook().uploader(object_root,
                                                                                             sleep=lambda s: None))
    assert deferred.state == "deferred" and "rate limited" in deferred.error


@pytest.mark.parametrize("body", [b'"a string"', b'[]'])
def test_a_lookup_answered_with_no_json_object_is_a_retry_not_a_crash(monkeypatch, server, media, object_root,
                                                                     body):
    """Found by the soak: search.list answering 200 with JSON that is not an object crashed the publish task
    (AttributeError: 'str' object has no attribute 'get'); it is transient, retried, then left to the task."""
    from acf.publishing.errors import TransientPublishError

    connect(monkeypatch, server)
    server.faults.always(Fault.malformed(body), path=r"/search")
    with pytest.raises(TransientPublishError, match="not a JSON object"):
        uploader(object_root).lookup(package(media), {"insert_sent": True}, "acf-marker")
    assert len(server.requests_to(r"/search")) == 4    # the stage's tries, then the task's retry decides
