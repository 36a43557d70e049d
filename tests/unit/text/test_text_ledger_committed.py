"""A billed model call stays in the cost ledger when the task that made it fails afterwards.

Found by the soak (`make soak`): 37 of 64 model calls the AI stand-ins answered in full were missing from
acf.ai_calls, because each row was written in the task's transaction and a task killed or failing later
rolled it back with its own work (and its retry then paid for the same call again)."""
from __future__ import annotations

from decimal import Decimal

from acf.media import store
from acf.text.ledger import CallRecord, CostLedger


def test_a_call_recorded_then_rolled_back_with_the_task_is_still_in_the_ledger(pg_conn):
    ledger = CostLedger(pg_conn, run_id="run-killed")
    ledger.record(CallRecord(provider="openai", model="gpt-4o-mini", purpose="angles", input_tokens=700,
                             output_tokens=200, cost_usd=Decimal("0.000225")))
    store.record_call(pg_conn, "run-killed", "image", "openai_images", 1, 1200, "cnt_x", None)
    pg_conn.execute("INSERT INTO acf.quarantine (stage, reason) VALUES ('task', 'work of the task')")
    pg_conn.rollback()   # the task fails after its calls: its own work goes, the billed calls stay
    rows = pg_conn.execute("SELECT provider, cost_usd FROM acf.ai_calls WHERE run_id = 'run-killed'"
                           " ORDER BY provider").fetchall()
    assert rows == [("openai", Decimal("0.000225")), ("openai_images", Decimal("0"))]
    assert pg_conn.execute("SELECT count(*) FROM acf.quarantine WHERE reason = 'work of the task'").fetchone()[0] == 0


def test_a_media_call_is_written_before_it_is_made_and_completed_or_failed_in_place(pg_conn):
    answered = store.start_call(pg_conn, "run-m", "voice", "elevenlabs", "cnt_x", None)
    failed = store.start_call(pg_conn, "run-m", "image", "openai_images", "cnt_x", None)
    killed = store.start_call(pg_conn, "run-m", "image", "leonardo", "cnt_x", None)   # its task never came back
    store.record_call(pg_conn, "run-m", "voice", "elevenlabs", 120, 900, "cnt_x", None, answered)
    store.fail_call(pg_conn, failed, 300, RuntimeError("429 Too Many Requests"))
    pg_conn.rollback()
    rows = pg_conn.execute("SELECT provider, units, ok, in_flight, error FROM acf.ai_calls WHERE run_id = 'run-m'"
                           " ORDER BY call_id").fetchall()
    assert rows == [("elevenlabs", 120, True, False, None),
                    ("openai_images", 0, False, False, "RuntimeError: 429 Too Many Requests"),
                    ("leonardo", 0, False, True, "no answer recorded: the task ended during the call")]
