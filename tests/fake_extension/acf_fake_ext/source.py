"""The ``fake`` trend source: a made-up API answering ``{"kind": "fake#trends", "trends": [...]}``."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

from acf.trends.models import TrendObservation
from acf.trends.sources import TrendSource
from acf.trends.sources.fields import ItemError, read_count, read_iso_time, read_text


def _items(document):
    if not isinstance(document, dict) or document.get("kind") != "fake#trends":
        raise TypeError("expected a fake#trends answer")
    trends = document["trends"]
    if not isinstance(trends, list):
        raise TypeError("trends is not a list")
    return trends


def _parse(item, region: str, observed_at: datetime) -> TrendObservation:
    if not isinstance(item, dict):
        raise ItemError("item is not an object")
    topic = read_text(item.get("topic"), "topic")
    mentions = read_count(item.get("mentions"), "mentions", required=True)
    return TrendObservation(
        source="fake", region=region, term=topic, title=topic,
        url=f"https://fake.example/trends?q={quote_plus(topic)}", category=None,
        metrics={"mentions": mentions}, observed_at=observed_at, language="en", source_item_id=topic,
        published_at=read_iso_time(item.get("published")), engagement=float(mentions),
    )


def _shift(document, delta: timedelta) -> None:
    for item in document.get("trends", []):
        if isinstance(item.get("published"), str):
            moved = datetime.fromisoformat(item["published"].replace("Z", "+00:00")) + delta
            item["published"] = moved.isoformat()


SOURCE = TrendSource(name="fake", items=_items, parse=_parse, sample_dir=Path(__file__).with_name("samples"),
                     shift_sample=_shift)
