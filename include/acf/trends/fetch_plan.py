"""Which fetches one acf_trends run makes: every (source, region), plus each named feed once.

    plan(["youtube", "reddit"], ["US", "GB"], ["gaming"])
    -> youtube/US, youtube/GB, reddit/US, reddit/GB, reddit/r/gaming (region NO_REGION)

Feeds are the run's named lists of a source that has them (``TrendSource.has_feeds``:
Reddit's subreddits). A feed is the same wherever it is asked from, so it is fetched
once per run, not per region, and its items carry no region.
"""
from __future__ import annotations

from collections.abc import Iterable

from acf.trends import sources as trend_sources
from acf.trends.models import NO_REGION


def plan(sources: Iterable[str], regions: Iterable[str], feeds: Iterable[str] = ()) -> list[dict]:
    """The run's fetches as ``expand_kwargs`` arguments: ``{source, region, feed}``.

    Each source with feeds takes the feed names it accepts and raises ValueError for those it refuses.
    """
    sources, regions, feeds = list(sources), list(regions), list(feeds)
    fetches = [{"source": s, "region": r, "feed": None} for s in sources for r in regions]
    for name in sources:
        source = trend_sources.get(name)
        if source.has_feeds:
            fetches += [{"source": name, "region": NO_REGION, "feed": feed} for feed in source.feed_names(feeds)]
    return fetches
