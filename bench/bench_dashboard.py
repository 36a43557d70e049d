"""Benchmark: dashboard queries on a large factory history (pagination must not slow down with size).

    .venv/bin/python bench/bench_dashboard.py [--trends 20000] [--pieces 2000] [--days 30]

Uses the embedded PostgreSQL under .acf/bench-pg (database acf_bench_dashboard, emptied
first), loads the history with COPY, then times each dashboard query (median of 5).
Last line: dashboard_query_ms_max=<slowest query> trends=<n> metrics=<n>
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "include", ROOT / "plugins"):
    sys.path.insert(0, str(extra))

import psycopg  # noqa: E402

from acf import db, local_postgres  # noqa: E402
from acf.analytics import dashboard, exporter, roi  # noqa: E402

TABLES = ("metrics", "publications", "renditions", "assets", "content_pieces", "angles", "opportunities",
          "trend_observations", "trends", "ai_calls", "roi_rollups")
PLATFORMS = ("youtube", "tiktok", "instagram", "facebook")
CATEGORIES = ("technology", "music", "gaming", "science", "entertainment")


def load(conn, trends: int, pieces: int, days: int, now: datetime) -> int:
    t0 = now - timedelta(days=days + 2)
    db.copy_rows(conn, "acf.trends", ["trend_id", "term", "title", "category", "score", "sources", "regions",
                                      "observation_count", "first_seen", "last_seen"],
                 ((f"t{i}", f"term {i}", f"Trend {i}", CATEGORIES[i % 5], (i * 7919 % 10000) / 10000,
                   "{youtube,reddit}", "{US,GB}", 8, t0, now) for i in range(trends)))
    db.copy_rows(conn, "acf.trend_observations", ["observation_key", "trend_id", "source", "region", "term",
                                                  "title", "metrics", "observed_at"],
                 ((f"o{i}_{h}", f"t{i}", "youtube", "US", f"term {i}", f"Trend {i}", {"views": h * 100 + i % 50},
                   t0 + timedelta(hours=6 * h)) for i in range(trends) for h in range(8)))
    db.copy_rows(conn, "acf.opportunities", ["opportunity_id", "trend_id", "score", "status"],
                 ((f"op{i}", f"t{i}", 0.5, "produced" if i < pieces else "open") for i in range(trends)))
    db.copy_rows(conn, "acf.content_pieces", ["content_id", "opportunity_id", "tier", "target_seconds", "title",
                                              "status", "created_at"],
                 ((f"c{i}", f"op{i}", "budget", 30, f"Piece {i}", "ready", t0) for i in range(pieces)))
    db.copy_rows(conn, "acf.ai_calls", ["modality", "provider", "model", "cost_usd", "content_id", "created_at"],
                 (("text", "groq", "llama", 0.01, f"c{i % pieces}", t0 + timedelta(minutes=i))
                  for i in range(pieces * 5)))
    db.copy_rows(conn, "acf.publications", ["publication_id", "content_id", "platform", "account", "state",
                                            "published_at"],
                 ((f"p{i}_{p}", f"c{i}", p, "acct", "published", t0) for i in range(pieces) for p in PLATFORMS))
    metrics = db.copy_rows(conn, "acf.metrics", ["publication_id", "observed_at", "views", "likes", "comments",
                                                 "shares", "simulated"],
                           ((f"p{i}_{p}", now - timedelta(days=d), 1000 * (days - d) + i, 10, 1, 1, True)
                            for i in range(pieces) for p in PLATFORMS for d in range(days)))
    conn.commit()
    conn.execute("ANALYZE")
    return metrics


def timed(call, repeats: int = 5) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trends", type=int, default=20000)
    parser.add_argument("--pieces", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    server = local_postgres.start_until_exit(ROOT / ".acf" / "bench-pg")
    dsn = local_postgres.ensure_database(server, "acf_bench_dashboard")
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    with psycopg.connect(dsn) as conn:
        db.migrate(conn)
        conn.execute("TRUNCATE " + ", ".join(f"acf.{t}" for t in TABLES) + " CASCADE")
        started = time.perf_counter()
        metrics = load(conn, args.trends, args.pieces, args.days, now)
        print(f"loaded {args.trends} trends, {metrics} metric points in {time.perf_counter() - started:.1f}s")
        roi.rollup(conn, now.date())
        conn.commit()
        last_trends = -(-args.trends // 20)
        queries = {
            "trends_first_page": lambda: dashboard.trends(conn, 1, 20),
            "trends_last_page": lambda: dashboard.trends(conn, last_trends, 20),
            "opportunities_page": lambda: dashboard.opportunities(conn, 5, 20),
            "content_page": lambda: dashboard.content(conn, 3, 20),
            "performance_30d": lambda: dashboard.performance(conn, 30, now),
            "costs_page": lambda: dashboard.costs(conn, 2, 20, 30, now),
            "prometheus_metrics": lambda: exporter.factory_metrics(conn),
        }
        results = {name: timed(call) for name, call in queries.items()}
    print(json.dumps({k: round(v, 1) for k, v in results.items()}, indent=1))
    print(f"dashboard_query_ms_max={max(results.values()):.1f} trends={args.trends} metrics={metrics}")


if __name__ == "__main__":
    main()
