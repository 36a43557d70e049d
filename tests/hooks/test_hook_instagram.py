"""InstagramHook against the loopback Graph API stand-in (containers, polling, media_publish)."""
from __future__ import annotations

import json

import pytest
from airflow.sdk import Connection

from acf.publishing import ledger
from acf.publishing.models import ContentSource, PlatformPackage, RenditionRef
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.publisher import publish
from hooks.instagram import InstagramHook
from stand_ins.base import Fault
from stand_ins.instagram import InstagramStandIn

IG = "17841400000000001"


@pytest.fixture
def server():
    with InstagramStandIn(ig_user_id=IG) as stand_in:
        yield stand_in


@pytest.fixture
def piece(pg_conn):
    pg_conn.execute("TRUNCATE acf.quota_spend, acf.quota_blocks")
    pg_conn.execute("INSERT INTO acf.content_pieces (content_id, tier, target_seconds, status)"
                    " VALUES ('cp_ig', 'budget', 30, 'ready')")
    pg_conn.commit()
    return pg_conn


def connect(monkeypatch, server, token="fb-long-lived-1"):
    conn = Connection(conn_id="acf_instagram", conn_type="acf_instagram", host=f"{server.url}/v21.0",
                      login="app-id", password="app-secret",
                      extra=json.dumps({"access_token": token, "ig_user_id": IG, "account": "ig-main"}))
    monkeypatch.setenv("AIRFLOW_CONN_ACF_INSTAGRAM", conn.get_uri())


PACKAGE = PlatformPackage("cp_ig", "instagram", "Espresso", "Espresso at home\n\n#HomeEspresso", ["#HomeEspresso"],
                          "renditions/cp_ig/9x16.mp4", None, "9:16", {"media_type": "REELS", "share_to_feed": True})


def uploader(server):
    return InstagramHook().uploader(None, public_url=lambda key: f"https://bucket.example/{key}?X-Amz-Signature=abc",
                                    sleep=lambda s: None, poll_seconds=0)


def test_reel_container_polled_then_published(monkeypatch, server, piece):
    connect(monkeypatch, server)
    result = publish(piece, PACKAGE, uploader(server))
    assert result.state == "published" and result.external_id == server.media[0]["id"]
    paths = [r.path.rsplit("/", 1)[-1] for r in server.requests]
    assert paths[0] == "content_publishing_limit"  # the limit is checked first
    assert paths.index("media") < paths.index("media_publish")
    create = server.requests_to(r"/media$")[0]
    assert b"media_type=REELS" in create.body and b"X-Amz-Signature" in create.body
    assert server.protocol_errors == []
    assert all("access_token" not in r.query for r in server.requests)  # tokens never travel in URLs


def test_faults_and_lost_publish_answer_never_post_twice(monkeypatch, server, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.too_many(retry_after=0), path=r"/media$")
    server.faults.add(Fault.server_error(500), path=r"^/v21.0/\d+$")       # a status poll
    server.faults.add(Fault.cut(), path=r"/media_publish$")                # published, answer lost
    with pytest.raises(Exception):
        publish(piece, PACKAGE, uploader(server))
    assert len(server.media) == 1
    retried = publish(piece, PACKAGE, uploader(server))
    assert retried.state == "published" and retried.external_id == server.media[0]["id"]
    assert len(server.media) == 1 and len(server.requests_to(r"/media_publish$")) == 1


def test_publishing_limit_reached_defers(monkeypatch, server, piece):
    connect(monkeypatch, server)
    server.publish_limit = 0
    result = publish(piece, PACKAGE, uploader(server))
    assert result.state == "deferred" and "content_publishing_limit" in result.error
    assert server.requests_to(r"/media$") == []


def test_expired_token_is_exchanged_and_failed_exchange_needs_reauth(monkeypatch, server, piece):
    connect(monkeypatch, server)
    server.expire("fb-long-lived-1")
    up = uploader(server)
    assert publish(piece, PACKAGE, up).state == "published" and up.api.tokens.refreshes == 1
    piece.execute("TRUNCATE acf.publications CASCADE")
    piece.commit()
    server.app = ("other", "app")  # the app secret was rotated: exchange fails
    connect(monkeypatch, server, token="fb-long-lived-dead")
    result = publish(piece, PACKAGE, uploader(server))
    assert result.state == "needs_reauth" and "re-authorise" in result.error
    assert "fb-long-lived" not in result.error


def test_local_object_store_has_no_public_url(monkeypatch, server, piece, object_root):
    connect(monkeypatch, server)
    result = publish(piece, PACKAGE, InstagramHook().uploader(object_root, sleep=lambda s: None))
    assert result.state == "failed" and "public URL" in result.error
    assert ledger.counts(piece) == {"failed": 1}


@pytest.mark.parametrize("providers, disclosed", [({"image": ["leonardo"]}, True), ({"image": ["local"]}, False)])
def test_caption_sent_carries_the_ai_line_for_a_model_made_piece(monkeypatch, server, piece, providers, disclosed):
    # Instagram's API has no AI-label field: the optimizer puts the line in the caption the stand-in receives.
    source = ContentSource("cp_ig", "Espresso at home", {"hook": "Crema in 30 s"},
                           [RenditionRef("9:16", "renditions/cp_ig/9x16.mp4", 30.0, 1080, 1920)], ["instagram"],
                           term="espresso", media_providers=providers)
    connect(monkeypatch, server)
    assert publish(piece, ContentOptimizer().package(source, "instagram"), uploader(server)).state == "published"
    assert ("Made with AI tools." in server.media[0]["caption"]) is disclosed


# --- Stories: media_type=STORIES, the same container -> media_publish flow, no caption ----------------------
def story_package() -> PlatformPackage:
    """What the optimizer makes when the rules prefer stories (``post_types: [STORIES, REELS]``)."""
    import copy

    from acf import platform_rules

    rules = copy.deepcopy(platform_rules.all_rules())
    rules["instagram"]["post_types"] = ["STORIES", "REELS"]
    source = ContentSource("cp_ig", "Espresso at home", {"hook": "Crema in 30 s"},
                           [RenditionRef("9:16", "renditions/cp_ig/9x16.mp4", 30.0, 1080, 1920)], ["instagram"],
                           term="espresso", media_providers={"image": ["local"], "voice": ["local"]})
    package = ContentOptimizer(rules).package(source, "instagram")
    assert package.extra["media_type"] == "STORIES"
    return package


def test_story_is_a_stories_container_without_caption_then_published(monkeypatch, server, piece):
    connect(monkeypatch, server)
    result = publish(piece, story_package(), uploader(server))
    (story,) = server.stories
    assert result.state == "published" and result.external_id == story["id"] and result.url is None
    create = server.requests_to(r"/media$")[0]
    assert b"media_type=STORIES" in create.body and b"video_url=" in create.body
    assert b"caption=" not in create.body and b"share_to_feed" not in create.body   # stories take neither
    paths = [r.path.rsplit("/", 1)[-1] for r in server.requests]
    assert paths.index("media") < paths.index("media_publish")                     # polled, then published
    assert server.protocol_errors == [] and server.duplicates() == 0


def test_lost_story_publish_answer_is_found_among_the_stories_not_posted_twice(monkeypatch, server, piece):
    connect(monkeypatch, server)
    server.faults.add(Fault.cut(), path=r"/media_publish$")                # the story went up, the answer was lost
    with pytest.raises(Exception):
        publish(piece, story_package(), uploader(server))
    assert len(server.stories) == 1
    retried = publish(piece, story_package(), uploader(server))
    assert retried.state == "published" and retried.external_id == server.stories[0]["id"]
    assert len(server.stories) == 1 and len(server.requests_to(r"/media_publish$")) == 1
    assert server.requests_to(r"/stories$")                                # looked up where stories are listed
