"""Real platform metrics against the analytics stand-in: each platform's wire format through the
real clients (google-api-python-client for YouTube, the publishing stage's HTTP client for the rest),
with batching, retries, refusals and malformed answers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from acf.analytics.fetchers import MetricsFetchError
from acf.analytics.models import PublishedPost
from acf.analytics.platform_metrics import fetcher_from_hook
from stand_ins.base import Fault
from stand_ins.platform_metrics import TOKENS, PlatformMetricsStandIn

AT = datetime(2026, 5, 1, tzinfo=timezone.utc)


@pytest.fixture
def stand_in():
    with PlatformMetricsStandIn() as server:
        yield server


def _post(platform: str, external_id: str) -> PublishedPost:
    return PublishedPost(f"pub_{platform}_{external_id}", "c1", platform, "acct", external_id, "budget", "music", AT)


class _YouTubeHook:
    """Shaped like hooks.youtube_publish.YouTubePublishHook: get_conn() is the youtube v3 service;
    its metrics_source is the hook's own."""

    from hooks.youtube_publish import YouTubePublishHook
    metrics_source = YouTubePublishHook.metrics_source

    def __init__(self, url: str, token: str = TOKENS["youtube"]):
        self.url, self.token = url, token

    def get_conn(self):
        from google.oauth2.credentials import Credentials

        from acf.publishing.youtube_api import build_service

        return build_service(self.url, Credentials(token=self.token), timeout=10)[0]


class _TokenHook:
    """Shaped like the TikTok/Instagram/Facebook hooks: base_url and a TokenManager; metrics_source is
    the platform hook's own."""

    def __init__(self, base_url: str, token: str, platform: str):
        from hooks.configured import hook_class
        from acf import services

        self.metrics_source = hook_class(services.service("platform", platform)).metrics_source.__get__(self)
        from acf.publishing.http import Token, TokenManager

        self.base_url = base_url
        self.tokens = TokenManager(Token(token), None, account="acct")


def _fast(fetcher):
    fetcher.hook.api.sleep = lambda seconds: None  # no real waiting between retries
    return fetcher


def test_youtube_statistics_in_batches_of_50(stand_in):
    for i in range(60):
        stand_in.stats["youtube"][f"v{i}"] = {"viewCount": 1000 + i, "likeCount": i, "commentCount": 2}
    fetcher = fetcher_from_hook("youtube", _YouTubeHook(stand_in.url))
    posts = [_post("youtube", f"v{i}") for i in range(60)] + [_post("youtube", "deleted")]
    samples = {s.publication_id: s for s in fetcher.fetch(posts, AT)}
    assert len(samples) == 60
    assert (samples["pub_youtube_v59"].views, samples["pub_youtube_v59"].likes) == (1059, 59)
    assert not samples["pub_youtube_v0"].simulated
    calls = stand_in.requests_to(r"/youtube/v3/videos")
    assert [len(c.arg("id").split(",")) for c in calls] == [50, 11]


def test_youtube_quota_exceeded_is_a_fetch_error(stand_in):
    stand_in.stats["youtube"]["v1"] = {"viewCount": 1}
    quota = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded",
                                                                    "domain": "youtube.quota"}]}}
    stand_in.faults.add(Fault("status", status=403, body=quota), path=r"/youtube/v3/videos")
    fetcher = fetcher_from_hook("youtube", _YouTubeHook(stand_in.url))
    with pytest.raises(MetricsFetchError, match="youtube: HttpError.*403"):
        fetcher.fetch([_post("youtube", "v1")], AT)


def test_youtube_token_that_cannot_refresh_is_a_fetch_error(stand_in):
    stand_in.stats["youtube"]["v1"] = {"viewCount": 1}
    fetcher = fetcher_from_hook("youtube", _YouTubeHook(stand_in.url, token="revoked"))
    with pytest.raises(MetricsFetchError, match="youtube: RefreshError"):
        fetcher.fetch([_post("youtube", "v1")], AT)


def test_tiktok_video_query_retries_a_429_and_batches_by_20(stand_in):
    for i in range(25):
        stand_in.stats["tiktok"][f"t{i}"] = {"view_count": 10 * i, "like_count": i, "comment_count": 1,
                                             "share_count": 3}
    stand_in.faults.add(Fault.too_many(retry_after=1), path=r"/v2/video/query/")
    fetcher = _fast(fetcher_from_hook("tiktok", _TokenHook(stand_in.url, TOKENS["tiktok"], "tiktok")))
    samples = {s.publication_id: s for s in fetcher.fetch([_post("tiktok", f"t{i}") for i in range(25)], AT)}
    assert len(samples) == 25 and samples["pub_tiktok_t24"].shares == 3 and samples["pub_tiktok_t24"].views == 240
    bodies = [r.json()["filters"]["video_ids"] for r in stand_in.requests_to(r"/v2/video/query/")]
    assert [len(b) for b in bodies] == [20, 20, 5]  # the throttled first call, its retry, the rest
    assert stand_in.requests_to(r"/v2/video/query/")[0].arg("fields").startswith("id,view_count")


@pytest.mark.parametrize("fault", [Fault.malformed(), Fault.server_error(503)])
def test_tiktok_bad_answers_skip_the_platform(stand_in, fault):
    stand_in.stats["tiktok"]["t1"] = {"view_count": 1}
    stand_in.faults.always(fault, path=r"/v2/video/query/")
    fetcher = _fast(fetcher_from_hook("tiktok", _TokenHook(stand_in.url, TOKENS["tiktok"], "tiktok")))
    with pytest.raises(MetricsFetchError, match="tiktok"):
        fetcher.fetch([_post("tiktok", "t1")], AT)


def test_instagram_insights_and_an_unknown_media_id(stand_in):
    stand_in.stats["instagram"]["m1"] = {"views": 900, "likes": 40, "comments": 5, "shares": 7,
                                         "ig_reels_video_view_total_time": 12000}
    fetcher = fetcher_from_hook("instagram", _TokenHook(stand_in.url + "/v21.0", TOKENS["graph"], "instagram"))
    samples = fetcher.fetch([_post("instagram", "m1"), _post("instagram", "gone")], AT)
    assert [(s.publication_id, s.views, s.likes, s.shares, s.watch_seconds) for s in samples] == [
        ("pub_instagram_m1", 900, 40, 7, 12.0)]
    assert stand_in.requests_to(r"/m1/insights")[0].arg("metric").startswith("views,likes")


def test_facebook_video_insights_after_a_server_error(stand_in):
    stand_in.stats["facebook"]["f1"] = {"total_video_views": 321,
                                        "total_video_reactions_by_type_total": {"like": 4, "love": 2}}
    stand_in.faults.add(Fault.server_error(500), path=r"/f1/video_insights")
    fetcher = _fast(fetcher_from_hook("facebook", _TokenHook(stand_in.url + "/v21.0", TOKENS["graph"], "facebook")))
    [sample] = fetcher.fetch([_post("facebook", "f1")], AT)
    assert (sample.views, sample.likes) == (321, 6)
    assert len(stand_in.requests_to(r"/f1/video_insights")) == 2


def test_an_expired_graph_token_without_refresh_needs_reauth(stand_in):
    stand_in.stats["instagram"]["m1"] = {"views": 1}
    fetcher = fetcher_from_hook("instagram", _TokenHook(stand_in.url + "/v21.0", "expired", "instagram"))
    with pytest.raises(MetricsFetchError, match="NeedsReauthError"):
        fetcher.fetch([_post("instagram", "m1")], AT)
    assert stand_in.requests and all("access_token" not in r.query for r in stand_in.requests)  # never in URLs


def test_unknown_platform_has_no_field_map():
    from acf.analytics.fetchers import normalise

    with pytest.raises(ValueError, match="myspace"):
        normalise("myspace", "pub_1", {"views": 1}, AT)
