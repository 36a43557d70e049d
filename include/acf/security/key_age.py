"""How old each service key is, and which ones are due for rotation (ARCHITECTURE.md: every 90 days).

A key's date is the ``rotated_at`` extra of its Connection (an ISO date or time; every factory connection
form shows the field), else the last change of the Connection in Airflow's audit log (the REST API's and
the UI's ``post_connection`` / ``patch_connection`` / ``bulk_connections`` events), else unknown. A key
older than ``ACF_KEY_MAX_AGE_DAYS`` (90) is overdue; an undated one is reported as such, never as fresh.

``acf_maintenance`` records each Connection's ``rotated_at`` daily in ``acf.connection_keys`` and logs the
overdue ones; the dashboard and ``/acf/metrics`` (in the API server, which can read the audit log) add the
audit-log dates and show the result. No Airflow here: callers pass the data in.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timezone
from typing import Any

MAX_AGE_DAYS = 90
ROTATED_AT_EXTRA = "rotated_at"
# Airflow's audit-log events that change a Connection (airflow/api_fastapi/core_api/routes/public/connections.py,
# event = the route function's name through action_logging; the UI calls the same routes).
CONNECTION_EVENTS = ("post_connection", "patch_connection", "bulk_connections")


@dataclass(frozen=True)
class KeyAge:
    conn_id: str
    service: str | None
    dated_from: str                 # "rotated_at" | "audit_log" | "unknown"
    changed_at: datetime | None
    age_days: float | None
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["changed_at"] = self.changed_at.isoformat() if self.changed_at else None
        out["age_days"] = round(self.age_days, 1) if self.age_days is not None else None
        return out


def parse_rotated_at(value: Any) -> datetime | None:
    """``rotated_at`` as an aware datetime (a date means its midnight UTC); None when absent or unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(), tzinfo=timezone.utc)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def rotated_at_from_extra(extra: str | dict | None) -> datetime | None:
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except ValueError:
            return None
    return parse_rotated_at((extra or {}).get(ROTATED_AT_EXTRA)) if isinstance(extra, dict) else None


def changed_connections(event: str, extra: str | None) -> set[str]:
    """The connection ids one audit-log row (``event``, ``extra`` as Airflow wrote it) says were changed."""
    if event not in CONNECTION_EVENTS:
        return set()
    try:
        body = json.loads(extra or "{}")
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    ids = {body.get("connection_id")}
    for action in body.get("actions") or ():
        if isinstance(action, dict) and action.get("action") in ("create", "update"):
            ids |= {e.get("connection_id") for e in action.get("entities") or () if isinstance(e, dict)}
    return {str(i) for i in ids if i}


def last_changes(rows) -> dict[str, datetime]:
    """conn_id -> newest change, from audit-log rows ``(event, extra, dttm)``."""
    newest: dict[str, datetime] = {}
    for event, extra, when in rows:
        for conn_id in changed_connections(event, extra):
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            if conn_id not in newest or when > newest[conn_id]:
                newest[conn_id] = when
    return newest


def assess(conn_id: str, service: str | None, rotated_at: datetime | None, audit_changed_at: datetime | None,
           now: datetime, max_age_days: int = MAX_AGE_DAYS) -> KeyAge:
    if rotated_at is not None:
        dated_from, changed = "rotated_at", rotated_at
    elif audit_changed_at is not None:
        dated_from, changed = "audit_log", audit_changed_at
    else:
        return KeyAge(conn_id, service, "unknown", None, None, False)
    age = (now - changed).total_seconds() / 86400
    return KeyAge(conn_id, service, dated_from, changed, age, age > max_age_days)


def run_log_lines(ages: list[KeyAge], max_age_days: int = MAX_AGE_DAYS) -> list[str]:
    """What the daily check says in its task log: one line per overdue or undated key."""
    lines = []
    for age in ages:
        if age.overdue:
            lines.append(f"key rotation overdue: {age.conn_id} ({age.service or 'service'}) is {age.age_days:.0f} days"
                         f" old (dated from {age.dated_from} {age.changed_at:%Y-%m-%d}); rotate it every"
                         f" {max_age_days} days, see README 'Rotating keys'")
        elif age.dated_from == "unknown":
            lines.append(f"key age unknown: {age.conn_id} has no rotated_at extra; set it when you rotate the key")
    return lines


def factory_connections(config) -> list[tuple[str, str]]:
    """(conn_id, service) of every Connection the factory reads: each registered service's, then its own."""
    from acf import services

    pairs = [(s.conn_id, s.name) for s in services.services()]
    pairs += [(config.postgres_conn_id, "factory database"), (config.backup_conn_id, "backup encryption"),
              ("acf_metrics_scrape", "metrics scrape token")]
    if config.object_store_url.startswith("s3://"):
        pairs.append((config.object_store_conn_id or "aws_default", "object store"))
    seen: set[str] = set()
    return [(c, s) for c, s in pairs if not (c in seen or seen.add(c))]


def record(conn, found: dict[str, tuple[str, Any]], now: datetime | None = None,
           max_age_days: int = MAX_AGE_DAYS) -> list[KeyAge]:
    """Store each found Connection's ``rotated_at`` in ``acf.connection_keys`` (others marked absent)."""
    now = now or datetime.now(timezone.utc)
    ages = []
    conn.execute("UPDATE acf.connection_keys SET present = false, checked_at = %s", (now,))
    for conn_id, (service, extra) in sorted(found.items()):
        rotated = rotated_at_from_extra(extra)
        conn.execute(
            "INSERT INTO acf.connection_keys (conn_id, service, present, rotated_at, checked_at)"
            " VALUES (%s, %s, true, %s, %s) ON CONFLICT (conn_id) DO UPDATE SET service = EXCLUDED.service,"
            " present = true, rotated_at = EXCLUDED.rotated_at, checked_at = EXCLUDED.checked_at",
            (conn_id, service, rotated, now))
        ages.append(assess(conn_id, service, rotated, None, now, max_age_days))
    return ages


def current(conn, audit_changes: dict[str, datetime], now: datetime | None = None,
            max_age_days: int = MAX_AGE_DAYS) -> list[KeyAge]:
    """The recorded Connections' ages, dated from ``rotated_at`` or else from the audit-log changes given."""
    now = now or datetime.now(timezone.utc)
    rows = conn.execute("SELECT conn_id, service, rotated_at FROM acf.connection_keys WHERE present"
                        " ORDER BY conn_id").fetchall()
    return [assess(c, s, r, audit_changes.get(c), now, max_age_days) for c, s, r in rows]
