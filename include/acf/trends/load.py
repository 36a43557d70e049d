"""Loading into PostgreSQL: COPY, idempotent per payload.

A payload (one source, region, interval and part) is *claimed* in
``acf.trend_loads`` first, in the same transaction as its rows: a rerun of the
same interval finds its claim and adds nothing, and a concurrent run waits on
the claim's row lock. Because claimed payloads cannot overlap, observations are
COPied straight into ``acf.trend_observations``; should a key still collide
(the ledger was cleared by hand), the load falls back to COPY into a temporary
table and ``INSERT ... ON CONFLICT DO NOTHING``. Trends are upserted from a
temporary table (scores replaced, sources/regions merged, counts added).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
import psycopg

from acf import db

OBSERVATION_COLUMNS = (
    "observation_key", "trend_id", "source", "region", "term", "title", "url", "category", "metrics",
    "observed_at", "language", "raw_key", "term_key", "engagement", "published_at", "interval_start",
    "source_item_id",
)
TREND_COLUMNS = (
    "trend_id", "term", "title", "category", "category_id", "score", "score_components", "sources",
    "regions", "observation_count", "first_seen", "last_seen", "term_key",
)
REGION_STAT_COLUMNS = ("trend_id", "region", "interval_start", "observations", "sources", "engagement")
CHUNK_ROWS = 50_000


def pg_array(values: Sequence[str]) -> str:
    """A text[] literal for plain id-like values (sources, region codes)."""
    return "{" + ",".join(sorted(set(values))) + "}"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _text_column(values: pd.Series) -> list[str]:
    """One column as COPY text fields: escaped, missing values as \\N. C-speed unless escaping is needed."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(values):
        codes, uniques = pd.factorize(values)
        rendered = [ts.isoformat() for ts in uniques] + [_NULL]
        return np.array(rendered, dtype=object)[codes].tolist()  # code -1 (missing) picks the last: \N
    if pd.api.types.is_bool_dtype(values) and not values.hasnans:
        return ["t" if v else "f" for v in values.tolist()]
    if pd.api.types.is_integer_dtype(values):
        if values.hasnans:
            return [_NULL if v is pd.NA or v is None else str(v) for v in values.astype(object).tolist()]
        return list(map(str, values.tolist()))
    if pd.api.types.is_float_dtype(values):
        array = values.to_numpy(dtype="float64")
        missing = np.isnan(array)
        if not missing.any() and np.all(np.mod(array, 1) == 0) and np.all(np.abs(array) < 2**53):
            return list(map(str, array.astype(np.int64).tolist()))
        out = list(map(repr, array.tolist()))
        for i in np.flatnonzero(missing).tolist():
            out[i] = _NULL
        return out
    items = values.to_numpy(dtype=object, na_value=None).tolist()
    if pd.api.types.infer_dtype(items, skipna=False) != "string":
        items = [_NULL if v is None or (isinstance(v, float) and v != v) else
                 (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v))
                 for v in items]
        joined = "\x1f".join(v for v in items if v is not _NULL)
        needs_escape = any(ch in joined for ch in "\\\t\n\r")
        if needs_escape:
            items = [v if v is _NULL else v.translate(_ESCAPES) for v in items]
        return items
    joined = "\x1f".join(items)
    if any(ch in joined for ch in "\\\t\n\r"):
        items = [v.translate(_ESCAPES) for v in items]
    return items


def render_chunks(frame: pd.DataFrame, columns: Sequence[str], chunk_rows: int = CHUNK_ROWS) -> Iterator[bytes]:
    """``frame[columns]`` as COPY text, ``chunk_rows`` rows per chunk.

    Each chunk is rendered column by column with C-level joins (no Python code per
    row): fields escaped as COPY text requires, missing values as \\N.
    """
    for start in range(0, len(frame), chunk_rows):
        chunk = frame.iloc[start:start + chunk_rows]
        fields = [_text_column(chunk[name]) for name in columns]
        yield ("\n".join(map("\t".join, zip(*fields))) + "\n").encode()


def copy_chunks(conn: psycopg.Connection, table: str, columns: Sequence[str], chunks: Iterable[bytes]) -> None:
    """COPY rendered chunks into ``table``; sending needs no Python work (so no GIL) per row."""
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for chunk in chunks:
            copy.write(chunk)


def copy_frame(conn: psycopg.Connection, table: str, frame: pd.DataFrame, columns: Sequence[str],
               chunk_rows: int = CHUNK_ROWS) -> int:
    """COPY ``frame[columns]`` into ``table`` (text format), rendered and streamed chunk by chunk."""
    copy_chunks(conn, table, columns, render_chunks(frame, columns, chunk_rows))
    return len(frame)


def claim_payloads(conn: psycopg.Connection, payloads: Sequence[dict]) -> list[dict]:
    """Claim (source, region, interval_start, part) rows; return the payloads not loaded before."""
    claimed = []
    for payload in payloads:
        row = conn.execute(
            "INSERT INTO acf.trend_loads (source, region, interval_start, part, raw_key)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING source",
            (payload["source"], payload["region"], payload["interval_start"], payload.get("part", "all"),
             payload.get("raw_key")),
        ).fetchone()
        if row:
            claimed.append(payload)
    return claimed


def record_counts(conn: psycopg.Connection, payload: dict, observations: int, quarantined: int) -> None:
    conn.execute(
        "UPDATE acf.trend_loads SET observations = %s, quarantined = %s"
        " WHERE source = %s AND region = %s AND interval_start = %s AND part = %s",
        (observations, quarantined, payload["source"], payload["region"], payload["interval_start"],
         payload.get("part", "all")),
    )


def existing_trends(conn: psycopg.Connection, trend_ids: Sequence[str]) -> pd.DataFrame:
    rows = db.fetch_dicts(
        conn, "SELECT trend_id, observation_count FROM acf.trends WHERE trend_id = ANY(%s)", (list(trend_ids),))
    return pd.DataFrame(rows, columns=["trend_id", "observation_count"])


def previous_engagement(conn: psycopg.Connection, trend_ids: Sequence[str], before) -> pd.Series:
    """Per trend: total engagement of its latest interval before ``before`` (velocity's baseline)."""
    rows = db.fetch_dicts(
        conn,
        "SELECT DISTINCT ON (trend_id) trend_id, total FROM ("
        "  SELECT trend_id, interval_start, sum(engagement) AS total FROM acf.trend_region_stats"
        "  WHERE trend_id = ANY(%s) AND interval_start < %s GROUP BY trend_id, interval_start) per_interval"
        " ORDER BY trend_id, interval_start DESC",
        (list(trend_ids), before),
    )
    return pd.Series({r["trend_id"]: float(r["total"]) for r in rows}, dtype="float64")


def upsert_trends(conn: psycopg.Connection, trends: pd.DataFrame) -> None:
    """Insert new trends, merge known ones; ``observation_count`` holds the rows this load added."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS trend_stage (LIKE acf.trends INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    conn.execute("TRUNCATE trend_stage")
    copy_frame(conn, "trend_stage", trends, TREND_COLUMNS)
    conn.execute(
        f"INSERT INTO acf.trends AS t ({', '.join(TREND_COLUMNS)})"
        f" SELECT {', '.join(TREND_COLUMNS)} FROM trend_stage"
        " ON CONFLICT (trend_id) DO UPDATE SET"
        "  score = EXCLUDED.score,"
        "  score_components = EXCLUDED.score_components,"
        "  category = CASE WHEN EXCLUDED.score_components->>'category_method' = 'youtube' OR t.category = 'general'"
        "             THEN EXCLUDED.category ELSE t.category END,"
        "  category_id = CASE WHEN EXCLUDED.score_components->>'category_method' = 'youtube' OR t.category = 'general'"
        "             THEN EXCLUDED.category_id ELSE t.category_id END,"
        "  sources = ARRAY(SELECT DISTINCT s FROM unnest(t.sources || EXCLUDED.sources) s ORDER BY s),"
        "  regions = ARRAY(SELECT DISTINCT r FROM unnest(t.regions || EXCLUDED.regions) r ORDER BY r),"
        "  first_seen = least(t.first_seen, EXCLUDED.first_seen),"
        "  last_seen = greatest(t.last_seen, EXCLUDED.last_seen),"
        "  term_key = coalesce(t.term_key, EXCLUDED.term_key),"
        "  observation_count = t.observation_count + EXCLUDED.observation_count,"
        "  updated_at = now()"
    )


STREAM_CHUNK_ROWS = 5_000


def observation_chunks(observations: pd.DataFrame) -> Iterator[bytes]:
    """The observations as COPY chunks, in key order.

    Key order (time-prefixed keys) fills the primary-key index's pages in sequence, not at random.
    Rows are taken in that order chunk by chunk, so the first chunk goes out at once; chunks are
    small because rendering one holds the GIL the thread streaming them needs (see
    ``acf.trends.pipeline``): the server would wait for data meanwhile.
    """
    order = _key_order(observations["observation_key"])
    for start in range(0, len(order), STREAM_CHUNK_ROWS):
        few = observations.take(order[start:start + STREAM_CHUNK_ROWS])
        yield from render_chunks(few, OBSERVATION_COLUMNS, STREAM_CHUNK_ROWS)


def _key_order(keys: pd.Series) -> np.ndarray:
    """Positions of ``keys`` in sorted order, compared as fixed-width NumPy text in C rather than as
    Python objects (the keys are ``frame.observation_keys``: ASCII, so NumPy's order is Python's)."""
    return np.argsort(keys.to_numpy(dtype=object).astype(str), kind="stable")


def copy_observations(conn: psycopg.Connection, chunks: Iterable[bytes]) -> set[str] | None:
    """COPY rendered observations. Returns None when every row was new, else the keys that were.

    ``chunks`` may still be being produced by another thread (see ``acf.trends.pipeline``). A key
    that is already stored (the load ledger was cleared by hand) turns the straight COPY into COPY
    to a temporary table plus ``INSERT ... ON CONFLICT DO NOTHING``.
    """
    source, sent = iter(chunks), []

    def recorded() -> Iterator[bytes]:
        for chunk in source:
            sent.append(chunk)
            yield chunk

    try:
        with conn.transaction():
            copy_chunks(conn, "acf.trend_observations", OBSERVATION_COLUMNS, recorded())
        return None
    except psycopg.errors.UniqueViolation:
        pass
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS observation_stage (LIKE acf.trend_observations INCLUDING DEFAULTS)"
        " ON COMMIT DELETE ROWS")
    conn.execute("TRUNCATE observation_stage")
    copy_chunks(conn, "observation_stage", OBSERVATION_COLUMNS, sent + list(source))
    cols = ", ".join(OBSERVATION_COLUMNS)
    added = conn.execute(
        f"INSERT INTO acf.trend_observations ({cols}) SELECT {cols} FROM observation_stage"
        " ON CONFLICT (observation_key) DO NOTHING RETURNING observation_key").fetchall()
    return {key for (key,) in added}


def region_stat_chunks(stats: pd.DataFrame) -> list[bytes]:
    """Region stats as COPY text, in key order: rendered ahead, while the server is busy with other work."""
    return list(render_chunks(stats.sort_values(["trend_id", "region", "interval_start"]), REGION_STAT_COLUMNS))


def upsert_region_stats(conn: psycopg.Connection, stats: pd.DataFrame, chunks: Sequence[bytes] | None = None) -> None:
    """Add per (trend, region, interval) stats: a straight COPY when none exist yet (the usual case),
    else merged through a temporary table (a source loaded later for the same interval adds to them).

    ``chunks``: ``region_stat_chunks(stats)`` when already rendered.
    """
    chunks = region_stat_chunks(stats) if chunks is None else chunks
    try:
        with conn.transaction():
            copy_chunks(conn, "acf.trend_region_stats", REGION_STAT_COLUMNS, chunks)
        return
    except psycopg.errors.UniqueViolation:
        pass
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS region_stat_stage (LIKE acf.trend_region_stats) ON COMMIT DELETE ROWS")
    conn.execute("TRUNCATE region_stat_stage")
    copy_chunks(conn, "region_stat_stage", REGION_STAT_COLUMNS, chunks)
    cols = ", ".join(REGION_STAT_COLUMNS)
    conn.execute(
        f"INSERT INTO acf.trend_region_stats AS s ({cols}) SELECT {cols} FROM region_stat_stage"
        " ON CONFLICT (trend_id, region, interval_start) DO UPDATE SET"
        "  observations = s.observations + EXCLUDED.observations,"
        "  engagement = s.engagement + EXCLUDED.engagement,"
        "  sources = ARRAY(SELECT DISTINCT x FROM unnest(s.sources || EXCLUDED.sources) x ORDER BY x)")


BULK_QUARANTINE = 200


def payload_text(payload) -> str:
    """A rejected item as text, verbatim where it can be (JSON for objects)."""
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="backslashreplace")
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)


def storable(text: str | None) -> str | None:
    """Text PostgreSQL can hold: NUL as \\u0000, unpaired surrogates as \\udXXX escapes (nothing dropped)."""
    if text is None:
        return None
    if text.isascii() and "\x00" not in text:   # nearly all text: nothing to do (both checks run in C)
        return text
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def quarantine_rows(conn: psycopg.Connection, rows: Sequence[dict], run_id: str | None = None) -> int:
    """Quarantine rejected items (reason, raw key, the item verbatim) via acf.db.quarantine.

    Many rows at once (a broken feed, the benchmark) go in one COPY with the same columns.
    """
    if len(rows) > BULK_QUARANTINE:
        db.copy_rows(conn, "acf.quarantine", ("stage", "source", "reason", "raw_key", "payload", "run_id"),
                     ((r["stage"], storable(r.get("source")), storable(r["reason"]), storable(r.get("raw_key")),
                       storable(payload_text(r["payload"])), run_id) for r in rows))
        return len(rows)
    for row in rows:
        db.quarantine(conn, row["stage"], storable(row["reason"]), storable(payload_text(row["payload"])),
                      source=storable(row.get("source")), raw_key=storable(row.get("raw_key")), run_id=run_id)
    return len(rows)
