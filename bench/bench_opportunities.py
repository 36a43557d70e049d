"""Benchmark: score trends and write angles twice on the same trends; the rerun should make no model calls.

    .venv/bin/python bench/bench_opportunities.py [--trends 300] [--top-n 50] [--tier offline]

Uses the embedded PostgreSQL under .acf/bench-pg (database acf_bench, emptied
first). Prints the first run's figures, then the rerun's as the LAST line:
    opportunities=<n> seconds=<s> model_calls=<n> cache_hits=<n>
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "include", ROOT / "plugins"):
    sys.path.insert(0, str(extra))

import psycopg  # noqa: E402

from acf import db, local_postgres  # noqa: E402
from acf.opportunities import pipeline  # noqa: E402

TABLES = "acf.angles, acf.opportunities, acf.trend_observations, acf.trends, acf.ai_calls, acf.ai_cache, acf.quarantine"
WORDS = ["quantum chip", "gta 6 trailer", "solar eclipse", "world cup final", "new album", "mars rover",
         "iphone launch", "ai act vote", "marathon record", "anime finale", "robot dog", "indie game",
         "battery breakthrough", "comet sighting", "festival lineup", "chess upset", "ev price cut"]
CATEGORIES = ["technology", "gaming", "science", "sports", "music", "entertainment", "general"]


def seed(conn, count: int) -> None:
    rows = []
    for i in range(count):
        term = f"{WORDS[i % len(WORDS)]} {i}"
        rows.append((f"bench_{i:05d}", term, term.title(), CATEGORIES[i % len(CATEGORIES)], (i * 37 % 100) / 100,
                     ["youtube", "reddit"], ["US", "GB", "IN"][: 1 + i % 3], 1 + i % 5))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO acf.trends (trend_id, term, title, category, score, sources, regions, observation_count,"
            " first_seen, last_seen) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now() - interval '6 hours', now())",
            rows,
        )
    conn.commit()


def run(conn, run_id: str, tier: str, top_n: int) -> tuple[dict, float]:
    started = time.perf_counter()
    pipeline.score_trends(conn, run_id=run_id)
    summary = pipeline.write_angles(conn, tier=tier, top_n=top_n, run_id=run_id)
    conn.commit()
    return summary, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trends", type=int, default=300)
    parser.add_argument("--top-n", type=int, default=50)
    parser.add_argument("--tier", default="offline")
    args = parser.parse_args()

    server = local_postgres.start_until_exit(ROOT / ".acf" / "bench-pg")
    dsn = local_postgres.ensure_database(server, "acf_bench")
    with psycopg.connect(dsn) as conn:
        db.migrate(conn)
        conn.execute(f"TRUNCATE {TABLES} CASCADE")
        conn.commit()
        seed(conn, args.trends)
        first, first_s = run(conn, "bench-1", args.tier, args.top_n)
        print(f"first run: opportunities={first['opportunities']} seconds={first_s:.3f} "
              f"model_calls={first['model_calls']} cache_hits={first['cache_hits']} angles={first['angles']}")
        again, again_s = run(conn, "bench-2", args.tier, args.top_n)
    print(f"opportunities={again['opportunities']} seconds={again_s:.3f} "
          f"model_calls={again['model_calls']} cache_hits={again['cache_hits']}")


if __name__ == "__main__":
    main()
