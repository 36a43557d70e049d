"""Cost ledger: one acf.ai_calls row per model call, cache hits and failures included.

A model call is written before it is made (``start``, the row ``in_flight``) and completed once its answer
is read (``record``): a task killed while the provider answers leaves a row saying so, where writing only
after the answer lost a call the provider had billed (found by the soak). The row's id rides with the
request as ``X-ACF-Call-Id``, so a provider's request log can be matched to the ledger call by call."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from acf import ai_calls, db
from acf.text.guard import redact


@dataclass
class CallRecord:
    provider: str
    model: str
    purpose: str                      # angles | script | ...
    prompt_version: str | None = None
    input_hash: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    units: float = 0.0
    cost_usd: Decimal = Decimal("0")
    latency_ms: int = 0
    cache_hit: bool = False
    ok: bool = True
    error: str | None = None
    opportunity_id: str | None = None
    content_id: str | None = None
    modality: str = "text"
    run_id: str | None = None


_COLUMNS = (
    "run_id", "modality", "provider", "model", "prompt_version", "input_hash", "input_tokens", "output_tokens",
    "units", "cost_usd", "latency_ms", "cache_hit", "ok", "error", "purpose", "opportunity_id", "content_id",
)


@dataclass
class CostLedger:
    """Writes each call to acf.ai_calls (when given a connection) and keeps them in memory."""

    conn: Any = None
    run_id: str | None = None
    records: list[CallRecord] = field(default_factory=list)

    def start(self, rec: CallRecord) -> int | None:
        """Write a call about to be made, ``in_flight``; its id for :meth:`record` (None without a database)."""
        if self.conn is None:
            return None
        rec.run_id = rec.run_id or self.run_id
        row = asdict(rec)
        return ai_calls.start(self.conn, **{c: row[c] for c in _COLUMNS if c not in ("ok", "error")})

    def record(self, rec: CallRecord, call_id: int | None = None) -> CallRecord:
        """The call's outcome: completes the row :meth:`start` wrote, or writes one (a cache hit, a local call)."""
        rec.run_id = rec.run_id or self.run_id
        if rec.error:
            rec.error = redact(rec.error)[:500]
        self.records.append(rec)
        if self.conn is not None:
            row = asdict(rec)
            fields = {c: row[c] for c in _COLUMNS}
            if call_id is None:
                db.execute_committed(
                    self.conn,
                    f"INSERT INTO acf.ai_calls ({', '.join(fields)}) VALUES ({', '.join(['%s'] * len(fields))})",
                    list(fields.values()),
                )
            else:
                ai_calls.finish(self.conn, call_id, **fields)
        return rec

    @property
    def model_calls(self) -> int:
        return sum(1 for r in self.records if not r.cache_hit)

    @property
    def cache_hits(self) -> int:
        return sum(1 for r in self.records if r.cache_hit)

    @property
    def cost(self) -> Decimal:
        return sum((r.cost_usd for r in self.records), Decimal("0"))


def run_totals(conn, run_id: str) -> dict:
    """Calls, model calls, cache hits, tokens and cost of one run."""
    rows = db.fetch_dicts(
        conn,
        "SELECT count(*) AS calls,"
        " count(*) FILTER (WHERE NOT cache_hit) AS model_calls,"
        " count(*) FILTER (WHERE cache_hit) AS cache_hits,"
        " count(*) FILTER (WHERE NOT ok) AS failed_calls,"
        " coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,"
        " coalesce(sum(cost_usd), 0) AS cost_usd"
        " FROM acf.ai_calls WHERE run_id = %s",
        (run_id,),
    )
    return _plain(rows[0])


def opportunity_totals(conn, run_id: str | None = None) -> list[dict]:
    """Per opportunity: calls, model calls, cache hits and cost (all runs, or one)."""
    rows = db.fetch_dicts(
        conn,
        "SELECT opportunity_id, count(*) AS calls,"
        " count(*) FILTER (WHERE NOT cache_hit) AS model_calls,"
        " count(*) FILTER (WHERE cache_hit) AS cache_hits,"
        " coalesce(sum(cost_usd), 0) AS cost_usd"
        " FROM acf.ai_calls WHERE opportunity_id IS NOT NULL AND (%(run)s::text IS NULL OR run_id = %(run)s)"
        " GROUP BY opportunity_id ORDER BY cost_usd DESC, opportunity_id",
        {"run": run_id},
    )
    return [_plain(r) for r in rows]


def _plain(row: dict) -> dict:
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
