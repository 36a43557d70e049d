"""AnthropicHook through the real anthropic SDK against the loopback Messages API stand-in."""
from __future__ import annotations

import pytest

from acf.opportunities import pipeline
from acf.text import prompts
from acf.text.service import TextGenerator
from hooks.anthropic import AnthropicHook
from hooks.configured import text_provider
from stand_ins.anthropic import AnthropicStandIn
from stand_ins.base import Fault
from stand_ins.openai import connection_env, insert_trend

INPUTS = {"term": "artemis launch", "title": "Artemis launch window opens", "category": "science",
          "regions": ["US"], "sources": ["youtube", "reddit"], "score": 0.75}


@pytest.fixture
def server(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_ACF_OPENAI", raising=False)
    with AnthropicStandIn() as stand_in:
        monkeypatch.setenv(*connection_env("acf_anthropic", "acf_anthropic", stand_in.url, stand_in.api_key,
                                           max_retries=1))
        yield stand_in


def generator(**kw):
    return TextGenerator("premium", resolver=text_provider, **kw)


def test_premium_tier_makes_angles_through_anthropic(server, pg_conn):
    insert_trend(pg_conn, "t_art", INPUTS["term"], category="science")
    pipeline.score_trends(pg_conn, run_id="r1")
    summary = pipeline.write_angles(pg_conn, tier="premium", top_n=1, run_id="r1", resolver=text_provider)
    pg_conn.commit()
    assert summary["providers"] == {"anthropic": 1} and summary["angles"] >= 3
    model, extra = pg_conn.execute("SELECT model, extra FROM acf.angles LIMIT 1").fetchone()
    assert model == "claude-3-5-haiku-latest" and extra["fallbacks"] == []
    cost = pg_conn.execute("SELECT cost_usd FROM acf.ai_calls").fetchone()[0]
    assert cost > 0
    request = server.message_requests()[0]
    assert request["system"].startswith("You plan") and request["max_tokens"] == 2048
    headers = server.requests[0].headers
    assert server.api_key in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))


def test_rerun_is_served_from_the_cache(server, pg_conn):
    insert_trend(pg_conn, "t_art", INPUTS["term"], category="science")
    for run in ("r1", "r2"):
        pipeline.score_trends(pg_conn, run_id=run)
        summary = pipeline.write_angles(pg_conn, tier="premium", top_n=1, run_id=run, resolver=text_provider)
    assert summary["model_calls"] == 0 and summary["cache_hits"] == 1
    assert len(server.message_requests()) == 1


def test_429_retry_after_then_success(server):
    server.faults.add(Fault.too_many(retry_after=1), path="/v1/messages")
    assert generator().generate(prompts.ANGLES, INPUTS).provider == "anthropic"
    assert len(server.message_requests()) == 2


def test_500_after_bounded_retries_falls_back(server):
    server.faults.always(Fault.server_error(500), path="/v1/messages")
    result = generator().generate(prompts.ANGLES, INPUTS)
    assert result.provider == "local" and len(server.message_requests()) == 2
    assert result.skipped == [("anthropic", result.skipped[0][1]), ("openai", "not configured (no Connection)")]


def test_malformed_json_retried_once(server):
    server.replies.append('{"angles": [')
    assert generator().generate(prompts.ANGLES, INPUTS).provider == "anthropic"
    retry = server.message_requests()[1]["messages"]
    assert [m["role"] for m in retry] == ["user", "assistant", "user"] and "not valid JSON" in retry[-1]["content"]


def test_connection_check_and_absence(server, monkeypatch):
    assert AnthropicHook().test_connection()[0] is True
    monkeypatch.delenv("AIRFLOW_CONN_ACF_ANTHROPIC")
    assert text_provider("anthropic") is None
