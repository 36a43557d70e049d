"""Which fetches one acf_trends run makes: every (source, region), plus each configured subreddit once.

    plan(["youtube", "reddit"], ["US", "GB"], ["gaming"])
    -> youtube/US, youtube/GB, reddit/US, reddit/GB, reddit/r/gaming (region NO_REGION)

A subreddit's hot listing is the same wherever it is asked from, so it is fetched
once per run, not per region, and its posts carry no region.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from acf.trends.models import NO_REGION

# Reddit's rule for subreddit names: letters, digits and underscores, 2 to 21 characters.
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


def subreddit_names(values: Iterable[str]) -> list[str]:
    """Configured subreddits without ``r/`` prefixes or repeats; a name Reddit would refuse is an error."""
    names: dict[str, str] = {}
    bad = []
    for value in values:
        name = value.strip().removeprefix("/").removeprefix("r/").strip("/")
        if not name:
            continue
        if not SUBREDDIT.match(name):
            bad.append(value)
        else:
            names.setdefault(name.lower(), name)
    if bad:
        raise ValueError(f"not subreddit names (letters, digits, _; 2-21 characters): {', '.join(map(repr, bad))}")
    return list(names.values())


def plan(sources: Iterable[str], regions: Iterable[str], subreddits: Iterable[str] = ()) -> list[dict]:
    """The run's fetches as ``expand_kwargs`` arguments: ``{source, region, feed}``."""
    sources, regions = list(sources), list(regions)
    fetches = [{"source": s, "region": r, "feed": None} for s in sources for r in regions]
    if "reddit" in sources:
        fetches += [{"source": "reddit", "region": NO_REGION, "feed": name} for name in subreddit_names(subreddits)]
    return fetches
