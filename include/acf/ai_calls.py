"""What the text and media stages share about the AI-call ledger (``acf.ai_calls``).

A provider call is written before it is made, ``in_flight`` (:func:`start`), and completed once its answer
is read (:func:`finish`); a row still in flight names a call whose task ended while the provider answered
(it may have been billed). Both are committed on their own connection (``db.execute_committed``): the call
is billed whatever becomes of the task's transaction.
"""
from __future__ import annotations

from typing import Any

from acf import db

IN_FLIGHT = "no answer recorded: the task ended during the call"


def start(conn: Any, **fields: Any) -> int | None:
    """Write a call about to be made (``fields``: its columns), in flight; its ``call_id``."""
    columns = list(fields)
    written = db.execute_committed(
        conn,
        f"INSERT INTO acf.ai_calls ({', '.join(columns)}, ok, error, in_flight)"
        f" VALUES ({', '.join(['%s'] * len(columns))}, false, %s, true) RETURNING call_id",
        [*fields.values(), IN_FLIGHT],
    )
    return int(written[0]) if written else None


def finish(conn: Any, call_id: int, **fields: Any) -> None:
    """The call's outcome (``fields``: the columns it settles) into the row :func:`start` wrote."""
    columns = list(fields)
    db.execute_committed(
        conn,
        f"UPDATE acf.ai_calls SET ({', '.join(columns)}, in_flight) = ({', '.join(['%s'] * len(columns))}, false)"
        " WHERE call_id = %s",
        [*fields.values(), call_id],
    )
