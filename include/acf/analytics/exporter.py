"""The factory's own metrics in the Prometheus text exposition format (version 0.0.4).

Values are read from PostgreSQL at scrape time, so they are gauges (current
counts and sums), which any number of API server replicas report identically.
Airflow's own metrics (scheduler, tasks, pools) come from its StatsD/OpenTelemetry
exporter; these complement them with what the factory produced.
"""
from __future__ import annotations

from collections.abc import Iterable

import psycopg

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# name, help, SQL returning (labels..., value); label names follow the SQL columns except the last
_QUERIES: tuple[tuple[str, str, str], ...] = (
    ("acf_trends", "Trends known to the factory.",
     "SELECT category, count(*) FROM acf.trends GROUP BY 1"),
    ("acf_trend_observations", "Trend observations collected, by source.",
     "SELECT source, count(*) FROM acf.trend_observations GROUP BY 1"),
    ("acf_opportunities", "Opportunities by status.",
     "SELECT status, count(*) FROM acf.opportunities GROUP BY 1"),
    ("acf_content_pieces", "Content pieces by status and tier.",
     "SELECT status, tier, count(*) FROM acf.content_pieces GROUP BY 1, 2"),
    ("acf_renditions", "Rendered videos by aspect ratio.",
     "SELECT aspect, count(*) FROM acf.renditions GROUP BY 1"),
    ("acf_uploads", "Publications by platform and state (published = upload succeeded).",
     "SELECT platform, state, count(*) FROM acf.publications GROUP BY 1, 2"),
    ("acf_ai_cost_usd", "AI spend in USD from the cost ledger, by provider and modality.",
     "SELECT provider, modality, sum(cost_usd)::float8 FROM acf.ai_calls GROUP BY 1, 2"),
    ("acf_ai_calls", "AI calls by provider, modality and cache hit.",
     "SELECT provider, modality, cache_hit::text, count(*) FROM acf.ai_calls GROUP BY 1, 2, 3"),
    ("acf_quarantined_items", "Rejected input items by stage.",
     "SELECT stage, count(*) FROM acf.quarantine GROUP BY 1"),
    ("acf_views", "Latest view count summed over posts, by platform (simulated = offline tier).",
     "SELECT p.platform, l.simulated::text, sum(l.views)::float8 FROM acf.publications p JOIN LATERAL ("
     " SELECT views, simulated FROM acf.metrics m WHERE m.publication_id = p.publication_id"
     " ORDER BY observed_at DESC LIMIT 1) l ON true GROUP BY 1, 2"),
    ("acf_last_backup_timestamp_seconds", "Unix time of the newest database backup.",
     "SELECT extract(epoch FROM max(created_at))::float8 FROM acf.backups WHERE deleted_at IS NULL"
     " HAVING max(created_at) IS NOT NULL"),
)


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: object) -> str:
    """The value exactly: a count as an integer, anything else as the shortest text that reads back as the
    same float (``:g`` kept six significant digits: $1.234567 of AI spend was scraped as 1.23457, a
    million observations as 1e+06)."""
    number = float(value or 0)
    return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)


def _format(name: str, help_text: str, label_names: Iterable[str], rows: Iterable[tuple]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    label_names = list(label_names)
    for row in rows:
        *labels, value = row
        rendered = ",".join(f'{n}="{_escape(v)}"' for n, v in zip(label_names, labels))
        lines.append(f"{name}{{{rendered}}} {_number(value)}" if rendered else f"{name} {_number(value)}")
    return lines


def factory_metrics(conn: psycopg.Connection) -> str:
    """All factory gauges as one exposition text."""
    lines: list[str] = []
    for name, help_text, sql in _QUERIES:
        with conn.cursor() as cur:
            cur.execute(sql)
            label_names = [d.name for d in cur.description[:-1]]
            lines += _format(name, help_text, label_names, cur.fetchall())
    return "\n".join(lines) + "\n"
