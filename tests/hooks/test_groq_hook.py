"""GroqHook through the real groq SDK against the loopback stand-in (OpenAI wire format under /openai/v1)."""
from __future__ import annotations

import types

import groq
import pytest

from acf.opportunities import pipeline
from acf.text import prompts
from acf.text.service import TextGenerator
from hooks.groq import GroqHook
from hooks.configured import text_provider
from stand_ins.base import Fault
from stand_ins.groq import GroqStandIn, rate_limited
from stand_ins.openai import connection_env, insert_trend

INPUTS = {"term": "gta 6 trailer", "title": "GTA 6 trailer drops", "category": "gaming",
          "regions": ["US", "BR"], "sources": ["youtube", "x"], "score": 0.8}


@pytest.fixture
def server(monkeypatch):
    with GroqStandIn() as stand_in:
        monkeypatch.setenv(*connection_env("acf_groq", "acf_groq", stand_in.url, stand_in.api_key, max_retries=1))
        yield stand_in


def generator(**kw):
    return TextGenerator("budget", resolver=text_provider, **kw)


def test_budget_tier_makes_angles_through_groq_and_prices_them(server, pg_conn):
    insert_trend(pg_conn, "t_gta", INPUTS["term"], category="gaming")
    pipeline.score_trends(pg_conn, run_id="r1")
    summary = pipeline.write_angles(pg_conn, tier="budget", top_n=1, run_id="r1", resolver=text_provider)
    pg_conn.commit()
    assert summary["providers"] == {"groq": 1} and summary["angles"] >= 3
    rows = pg_conn.execute("SELECT DISTINCT provider, model, prompt_version FROM acf.angles").fetchall()
    assert rows == [("groq", "llama-3.3-70b-versatile", "angles-v1")]
    call = pg_conn.execute("SELECT input_tokens, output_tokens, cost_usd, cache_hit FROM acf.ai_calls").fetchone()
    assert call[0] > 100 and call[1] > 20 and call[2] > 0 and call[3] is False
    assert server.requests[0].path == "/openai/v1/chat/completions"
    assert server.requests[0].headers["authorization"] == f"Bearer {server.api_key}"


def test_429_retry_after_then_success(server):
    server.faults.add(Fault.too_many(retry_after=1), path="/chat/completions")
    assert generator().generate(prompts.ANGLES, INPUTS).provider == "groq"
    assert len(server.chat_requests()) == 2


def test_500_after_bounded_retries_falls_back_to_local(server):
    server.faults.always(Fault.server_error(503), path="/chat/completions")
    result = generator().generate(prompts.ANGLES, INPUTS)
    assert result.provider == "local" and len(server.chat_requests()) == 2
    assert result.skipped[0][0] == "groq" and "503" in result.skipped[0][1]


def test_malformed_json_retried_once(server):
    server.replies.append("```json\n{\"angles\": [{\"kind\": \"rant\"}]}\n```")
    result = generator().generate(prompts.ANGLES, INPUTS)
    assert result.provider == "groq"
    assert "angles.0.kind" in server.chat_requests()[1]["messages"][-1]["content"]


def test_connection_check_and_absence(server, monkeypatch):
    assert GroqHook().test_connection() == (True, "connected; 1 models")
    monkeypatch.delenv("AIRFLOW_CONN_ACF_GROQ")
    assert text_provider("groq") is None


@pytest.fixture
def waits(monkeypatch):
    """The SDK's retry sleeps, recorded instead of slept (the stand-in counts the requests)."""
    slept: list[float] = []
    monkeypatch.setattr(groq._base_client, "time", types.SimpleNamespace(sleep=slept.append, time=lambda: 0.0))
    return slept


def test_429_wait_in_the_message_is_honoured_without_a_header(server, waits):
    server.faults.add(rate_limited("7.66s", 7.66, header=False), path="/chat/completions")
    assert generator().generate(prompts.ANGLES, INPUTS).provider == "groq"
    assert len(server.chat_requests()) == 2 and waits == [pytest.approx(7.66)]


def test_429_retry_after_header_is_honoured(server, waits):
    server.faults.add(rate_limited("7.66s", 7.66), path="/chat/completions")
    assert generator().generate(prompts.ANGLES, INPUTS).provider == "groq"
    assert len(server.chat_requests()) == 2 and waits == [8.0]


def test_daily_cap_wait_longer_than_a_run_is_permanent_for_the_run(server, waits):
    server.faults.always(rate_limited("1h2m3s", 3723), path="/chat/completions")
    gen = generator()
    results = [gen.generate(prompts.ANGLES, {**INPUTS, "term": f"gta 6 trailer {n}"}) for n in range(3)]
    assert [r.provider for r in results] == ["local"] * 3
    assert len(server.chat_requests()) == 1 and waits == []
    assert "3723" in results[0].skipped[0][1] and "rest of this run" in results[2].skipped[0][1]
