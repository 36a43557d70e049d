"""Response cache: same provider, model, prompt version and input -> the stored result, no model call."""
from __future__ import annotations

import json
from typing import Any, Protocol

from acf.ids import stable_id


def cache_key(provider: str, model: str, prompt_version: str, input_hash: str) -> str:
    return stable_id("aic", provider, model, prompt_version, input_hash, length=32)


class Cache(Protocol):
    def get(self, key: str) -> dict | None: ...
    def put(self, key: str, provider: str, model: str, prompt_version: str, input_hash: str, response: dict) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, dict] = {}

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def put(self, key, provider, model, prompt_version, input_hash, response) -> None:
        self.entries.setdefault(key, response)


class PostgresCache:
    """acf.ai_cache. Rows written in the caller's transaction, so a failed run leaves no half entries."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def get(self, key: str) -> dict | None:
        row = self.conn.execute(
            "UPDATE acf.ai_cache SET hits = hits + 1, last_hit_at = now() WHERE cache_key = %s RETURNING response",
            (key,),
        ).fetchone()
        if row is None:
            return None
        value = row[0]
        return json.loads(value) if isinstance(value, str) else value

    def put(self, key, provider, model, prompt_version, input_hash, response) -> None:
        self.conn.execute(
            "INSERT INTO acf.ai_cache (cache_key, provider, model, prompt_version, input_hash, response)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (cache_key) DO NOTHING",
            (key, provider, model, prompt_version, input_hash, json.dumps(response, ensure_ascii=False)),
        )
