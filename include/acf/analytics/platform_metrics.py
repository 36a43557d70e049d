"""Real platform metrics: one *source* per platform, each offering ``fetch_post_metrics(ids) -> {id: raw}``.

A source speaks the platform's statistics endpoint and returns its raw fields;
:class:`acf.analytics.fetchers.HookMetricsFetcher` maps them with ``normalise`` and the
platform's ``metrics_fields`` rule. Each publishing hook's ``metrics_source()`` builds its
platform's source from its own client.

- YouTube Data API ``videos.list(part=statistics)``, 50 ids per call, through the
  google-api-python-client service of the publishing hook (needs a token with the
  ``youtube.readonly`` or ``youtube`` scope besides ``youtube.upload``).
- TikTok ``POST /v2/video/query/`` with ``filters.video_ids`` (20 per call).
- Instagram ``GET /{media-id}/insights`` and Facebook ``GET /{video-id}/video_insights``
  (Graph API), one call per post; a post the platform no longer knows is left out.

HTTP goes through the publishing stage's client (:mod:`acf.publishing.http`): one
retry policy for 429/5xx/cut connections and one token-refresh policy.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from acf.analytics.fetchers import HookMetricsFetcher, MetricsFetchError

YOUTUBE_BATCH = 50
TIKTOK_BATCH = 20
TIKTOK_FIELDS = "id,view_count,like_count,comment_count,share_count"
INSTAGRAM_METRICS = "views,likes,comments,shares,ig_reels_video_view_total_time"
FACEBOOK_METRICS = "total_video_views,total_video_reactions_by_type_total,total_video_view_total_time"


def _batches(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


class YouTubeStatistics:
    def __init__(self, service: Any) -> None:
        self.service = service

    def fetch_post_metrics(self, external_ids: Sequence[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for batch in _batches(external_ids, YOUTUBE_BATCH):
            answer = self.service.videos().list(part="statistics", id=",".join(batch),
                                                maxResults=YOUTUBE_BATCH).execute()
            for item in answer.get("items", []):
                found[item["id"]] = item.get("statistics", {})
        return found


class TikTokVideoQuery:
    def __init__(self, api: Any) -> None:
        self.api = api  # acf.publishing.http.ApiClient on the TikTok base URL, with the account's tokens

    def fetch_post_metrics(self, external_ids: Sequence[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for batch in _batches(external_ids, TIKTOK_BATCH):
            body = self.api.call("POST", "/v2/video/query/", params={"fields": TIKTOK_FIELDS},
                                 json={"filters": {"video_ids": batch}})
            error = (body or {}).get("error") or {}
            if error.get("code", "ok") != "ok":
                raise MetricsFetchError(f"tiktok video query: {error.get('code')}: {error.get('message', '')}")
            for video in ((body.get("data") or {}).get("videos") or []):
                found[str(video["id"])] = video
        return found


class GraphInsights:
    """Instagram media insights or Facebook video insights, flattened to {metric name: value}."""

    def __init__(self, api: Any, edge: str, metrics: str) -> None:
        self.api = api  # acf.publishing.graph.GraphClient
        self.edge = edge
        self.metrics = metrics

    def fetch_post_metrics(self, external_ids: Sequence[str]) -> dict[str, dict]:
        from acf.publishing.errors import PermanentPublishError

        found: dict[str, dict] = {}
        for external_id in external_ids:
            try:
                body = self.api.call("GET", f"/{external_id}/{self.edge}", params={"metric": self.metrics})
            except PermanentPublishError:
                continue  # deleted or unknown post: reported as "returned no metrics"
            found[external_id] = {
                entry["name"]: (entry.get("values") or [{}])[0].get("value", entry.get("total_value", {}).get("value"))
                for entry in (body or {}).get("data", []) if "name" in entry
            }
        return found


def fetcher_from_hook(platform: str, hook: Any) -> HookMetricsFetcher:
    """A metrics fetcher from a publishing hook: its ``metrics_source()`` is one of the sources above
    (or an extension platform's own)."""
    return HookMetricsFetcher(platform, hook.metrics_source())
