"""A task killed while a provider answers leaves its model call in the cost ledger.

Found by the soak: the Anthropic stand-in answered (and billed) a call whose task was SIGKILLed before the
answer was written to acf.ai_calls. The call is now written before it is made and completed after, and its
ledger id rides with the request, so the provider's log and the ledger match call by call."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from acf.ai_calls import IN_FLIGHT
from stand_ins.anthropic import AnthropicStandIn
from stand_ins.base import Fault
from stand_ins.openai import connection_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = """
import psycopg, sys
from acf.text import prompts
from acf.text.service import TextGenerator
from hooks.configured import text_provider
with psycopg.connect(sys.argv[1]) as conn:
    TextGenerator("premium", conn=conn, run_id="run-killed", resolver=text_provider).generate(
        prompts.ANGLES, {"term": "artemis launch", "title": "Artemis launch window opens", "category": "science",
                         "regions": ["US"], "sources": ["youtube"], "score": 0.7})
"""


def test_a_call_whose_task_is_killed_during_the_answer_stays_in_the_ledger_in_flight(pg_conn, pg_dsn):
    with AnthropicStandIn() as server:
        server.faults.add(Fault.delay(4), path="/v1/messages")   # the answer comes after the kill
        name, value = connection_env("acf_anthropic", "acf_anthropic", server.url, server.api_key,
                                     max_retries=0, timeout=30)
        env = os.environ | {name: value, "PYTHONPATH": os.pathsep.join(
            os.path.join(ROOT, d) for d in ("include", "plugins", "tests"))}
        env.pop("AIRFLOW_CONN_ACF_OPENAI", None)
        child = subprocess.Popen([sys.executable, "-c", CHILD, pg_dsn], env=env)
        try:
            deadline = time.monotonic() + 60
            while not server.message_requests() and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.05)
            assert server.message_requests(), "the child made no model call"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
        time.sleep(4.5)   # the stand-in answers a dead client, as a provider would (and bills it)
        seen = server.requests_to("/v1/messages")
    rows = pg_conn.execute("SELECT call_id, provider, purpose, in_flight, ok, error FROM acf.ai_calls"
                           " WHERE run_id = 'run-killed'").fetchall()
    assert len(rows) == 1 and len(seen) == 1
    call_id, provider, purpose, in_flight, ok, error = rows[0]
    assert (provider, purpose, in_flight, ok, error) == ("anthropic", "angles", True, False, IN_FLIGHT)
    assert seen[0].headers["x-acf-call-id"] == str(call_id)


def test_a_call_answered_is_completed_in_place_with_the_id_the_provider_saw(pg_conn, monkeypatch):
    from acf.text import prompts
    from acf.text.service import TextGenerator
    from hooks.configured import text_provider

    with AnthropicStandIn() as server:
        monkeypatch.delenv("AIRFLOW_CONN_ACF_OPENAI", raising=False)
        monkeypatch.setenv(*connection_env("acf_anthropic", "acf_anthropic", server.url, server.api_key,
                                           max_retries=0))
        TextGenerator("premium", conn=pg_conn, run_id="run-ok", resolver=text_provider).generate(
            prompts.ANGLES, {"term": "artemis launch", "title": "Artemis launch window opens",
                             "category": "science", "regions": ["US"], "sources": ["youtube"], "score": 0.7})
        seen = server.requests_to("/v1/messages")
    rows = pg_conn.execute("SELECT call_id, in_flight, ok, error, input_tokens FROM acf.ai_calls"
                           " WHERE run_id = 'run-ok'").fetchall()
    assert len(rows) == 1 and len(seen) == 1
    call_id, in_flight, ok, error, input_tokens = rows[0]
    assert (in_flight, ok, error) == (False, True, None) and input_tokens > 0
    assert seen[0].headers["x-acf-call-id"] == str(call_id)
