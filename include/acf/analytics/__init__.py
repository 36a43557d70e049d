"""Performance per post and platform, AI cost per piece, ROI, and the feedback to scoring.

Modules:
- ``models``: the plain data passed between steps (PublishedPost, MetricSample, RoiRow).
- ``fetchers``: the per-platform metrics fetcher protocol, the simulated (offline) fetcher.
- ``platform_metrics``: the real sources (YouTube statistics, TikTok video query, Graph insights).
- ``simulated``: deterministic simulated counts for the offline tier.
- ``sample``: a small sample history with media, for tests and trying the dashboard.
- ``collect``: which posts to measure, fetch, store (idempotent per publication + observed_at).
- ``roi``: ROI per content piece, category, tier and platform; rollups stored per day.
- ``feedback``: ``category_platform_performance(conn)`` for the opportunity scorer.
- ``exporter``: the factory's own metrics in Prometheus text format.
- ``dashboard``: paginated read queries behind the dashboard plugin.
"""
