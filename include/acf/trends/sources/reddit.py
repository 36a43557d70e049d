"""Reddit: a region's hot posts (``/r/popular/hot?geo_filter=XX``), and the hot posts of named
subreddits (its feeds: listed once per run, carrying no region).

Engagement is score plus comments; the subreddit is a community name for the category rules.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from acf.trends import offline, terms
from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_count, read_list, read_text

NAME = "reddit"
MAX_EXCERPT = 500  # characters of a post's selftext kept (acf.trends.evidence.MAX_EXCERPT)
# Reddit's rule for subreddit names: letters, digits and underscores, 2 to 21 characters.
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


def items(document: Any) -> list:
    if not isinstance(document, dict) or document.get("kind") != "Listing":
        raise TypeError("expected a Listing")
    return read_list(document["data"]["children"], "children")


def parse(item: Any, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        raise ItemError("child has no data object")
    post = item["data"]
    post_id = read_text(post.get("id"), "id")
    title = read_text(post.get("title"), "title")
    score = post.get("score")
    if isinstance(score, int) and not isinstance(score, bool) and score < 0:
        score = 0  # downvoted below zero: no engagement, still a valid post
    score = read_count(score, "score", required=True)
    comments = read_count(post.get("num_comments"), "num_comments")
    ratio = post.get("upvote_ratio")
    if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, (int, float))):
        raise ItemError(f"upvote_ratio is not a number: {str(ratio)[:40]!r}")
    created = post.get("created_utc")
    published = (
        datetime.fromtimestamp(created, tz=timezone.utc)
        if isinstance(created, (int, float)) and not isinstance(created, bool) and 0 < created < 4e10
        else None
    )
    subreddit = post.get("subreddit")
    permalink = post.get("permalink")
    selftext = post.get("selftext")
    observation = TrendObservation(
        source=NAME, region=region, term=terms.term_from_title(title, NAME), title=title,
        url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        category=f"r/{subreddit}" if isinstance(subreddit, str) else None,
        # the brief quotes the post: its community, author and whether it is marked adult
        metrics={"score": score, "comments": comments, "upvote_ratio": ratio,
                 "subreddit": subreddit if isinstance(subreddit, str) else None,
                 "author": post.get("author") if isinstance(post.get("author"), str) else None,
                 "over_18": post.get("over_18") is True},
        observed_at=observed_at, language=None, source_item_id=post_id, published_at=published,
        engagement=float(score + comments),
    )
    if isinstance(selftext, str) and selftext.strip():  # what the post says beyond its title, for its evidence
        observation.metrics["selftext"] = " ".join(selftext.split())[:MAX_EXCERPT]
    return observation


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


def shift_sample(document: dict, delta: timedelta) -> None:
    for child in document.get("data", {}).get("children", []):
        post = child.get("data", {})
        if isinstance(post.get("created_utc"), (int, float)):
            post["created_utc"] = float(int(post["created_utc"] + delta.total_seconds()))


def sample_feed(subreddit: str, at: datetime) -> bytes:
    """A subreddit's hot listing: the sample's posts from that subreddit, across regions, newest first."""
    posts: dict[str, dict] = {}
    for region in offline.sample_regions(NAME):
        listing = json.loads(offline.sample_payload(NAME, region, at))
        for child in listing["data"]["children"]:
            post = child.get("data", {})
            if str(post.get("subreddit", "")).lower() == subreddit.lower() and "id" in post:
                posts.setdefault(str(post["id"]), child)
    children = sorted(posts.values(), key=lambda c: -float(c["data"].get("created_utc") or 0))
    return json.dumps({"kind": "Listing", "data": {"after": None, "before": None, "dist": len(children),
                                                  "children": children}}, ensure_ascii=False).encode("utf-8")


def sample_comments(post_id: str, at: datetime, *, limit: int | None = None) -> bytes:
    """``GET /comments/<id>?sort=top``, as Reddit answers it: a two-listing array, the post then its top
    comments (t1 things), from the sample's post and ``evidence/comments.json``; the shape follows praw's
    recorded answer (praw-dev/praw tests/integration/cassettes/TestComment.test_refresh__with_reply_sort
    _and_limit.json). An unknown post is SampleMissing (Reddit answers 404)."""
    post = None
    for region in offline.sample_regions(NAME):
        listing = json.loads(offline.sample_payload(NAME, region, at))
        post = next((c for c in listing["data"]["children"] if c.get("data", {}).get("id") == post_id), post)
    if post is None:
        raise offline.SampleMissing(f"no sample post {post_id!r}")
    data = post["data"]
    shift = (at - offline.SAMPLE_ANCHOR).total_seconds()
    found = sorted(offline.sample_extra(NAME, "comments")["comments"].get(post_id, []), key=lambda c: -c["score"])
    children = [{"kind": "t1", "data": {
        "subreddit_id": f"t5_{data['subreddit'].lower()}", "link_id": f"t3_{post_id}", "replies": "",
        "id": c["id"], "author": c["author"], "parent_id": f"t3_{post_id}", "score": c["score"], "ups": c["score"],
        "body": c["body"], "edited": False, "stickied": False, "distinguished": None, "is_submitter": False,
        "collapsed": False, "controversiality": 0, "depth": 0, "name": f"t1_{c['id']}",
        "permalink": f"{data['permalink'].rstrip('/')}/{c['id']}/", "subreddit": data["subreddit"],
        "subreddit_name_prefixed": f"r/{data['subreddit']}", "created_utc": float(int(c["created_utc"] + shift)),
        "score_hidden": False, "gilded": 0}} for c in found[:limit]]
    listing = {"after": None, "before": None, "modhash": "", "geo_filter": ""}
    return json.dumps([{"kind": "Listing", "data": {**listing, "dist": 1, "children": [post]}},
                       {"kind": "Listing", "data": {**listing, "dist": None, "children": children}}],
                      ensure_ascii=False).encode("utf-8")


def evidence(item: dict) -> list:
    """The post: its title verbatim, community, author, counts and an excerpt of its text."""
    from acf.trends.evidence import make

    metrics = item.get("metrics") or {}
    community, author = metrics.get("subreddit"), metrics.get("author")
    kept = {k: metrics[k] for k in ("score", "comments", "upvote_ratio", "selftext", "over_18")
            if metrics.get(k) not in (None, "", False)}
    one = make("post", NAME, item.get("title"), publisher=f"r/{community}" if isinstance(community, str) else None,
               author=f"u/{author}" if isinstance(author, str) else None, url=item.get("url"),
               published_at=item.get("published_at"), metrics=kept, item_id=item.get("source_item_id"))
    return [one] if one is not None else []


SOURCE = TrendSource(name=NAME, items=items, parse=parse, shift_sample=shift_sample, term_rule=terms.strip_packaging,
                     category_kind="community", feed_names=subreddit_names, sample_feed=sample_feed,
                     evidence=evidence)
