"""Defaults every factory DAG shares: owner, retries, tags (checked by tests/dags)."""
from __future__ import annotations

from datetime import timedelta

OWNER = "acf"
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}
BASE_TAGS = ["acf"]


def tags(*stage: str) -> list[str]:
    return BASE_TAGS + list(stage)


# Assets that chain the stages.
TRENDS_ASSET = "acf://trends"
OPPORTUNITIES_ASSET = "acf://opportunities"
CONTENT_ASSET = "acf://content"
PUBLICATIONS_ASSET = "acf://publications"
