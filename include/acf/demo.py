"""``make demo``: the whole offline chain once, each DAG through ``dag.test()``.

No servers are kept running: the embedded PostgreSQL is started (and left for the
next run, like ``make run`` does), both databases are migrated, then each DAG of
the chain runs in this process in order. Prints where the outputs are.
"""
from __future__ import annotations

import os
import sys
import time

from acf import local_stack
from acf.settings import PROJECT_ROOT, load

CHAIN = ("acf_trends", "acf_opportunities", "acf_production", "acf_publish", "acf_analytics")


def run_chain(chain: tuple[str, ...] = CHAIN, production_conf: dict | None = None) -> dict[str, str]:
    """dag.test() each DAG in order; returns dag_id -> final state. Airflow config must be in env."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    states: dict[str, str] = {}
    for dag_id in chain:
        dag = bag.get_dag(dag_id)
        started = time.monotonic()
        conf = production_conf if dag_id == "acf_production" else None
        run = dag.test(run_conf=conf)
        state = str(getattr(run, "state", "unknown"))
        states[dag_id] = state
        print(f"== {dag_id}: {state} in {time.monotonic() - started:.1f}s", flush=True)
        if "success" not in state:
            break
    return states


def summary(dsn: str) -> list[str]:
    from acf import db

    lines = []
    with db.connect(dsn) as conn:
        for table in ("trend_observations", "trend_evidence", "trends", "opportunities", "angles", "content_pieces",
                      "assets", "renditions", "publications", "metrics", "ai_calls", "quarantine"):
            count = conn.execute(f"SELECT count(*) FROM acf.{table}").fetchone()[0]
            lines.append(f"  acf.{table}: {count} rows")
        store = load().object_store_url
        for content_id, title in conn.execute(
            "SELECT content_id, title FROM acf.content_pieces WHERE status = 'ready' ORDER BY created_at DESC LIMIT 1"
        ):
            lines.append(f"latest content: {content_id} {title!r}")
            for aspect, key in conn.execute(
                "SELECT aspect, object_key FROM acf.renditions WHERE content_id = %s", (content_id,)
            ):
                lines.append(f"  video {aspect}: {store}/{key}")
            for platform, state, package in conn.execute(
                "SELECT platform, state, package_key FROM acf.publications WHERE content_id = %s", (content_id,)
            ):
                lines.append(f"  {platform}: {state} -> {store}/{package}")
    return lines


def main() -> int:
    env = local_stack.init()
    os.environ.update(env)
    states = run_chain()
    print("\n".join(summary(env["ACF_DATABASE_DSN"])))
    failed = [d for d, s in states.items() if "success" not in s]
    if failed or len(states) != len(CHAIN):
        print(f"demo failed at: {failed or 'not all DAGs ran'}", file=sys.stderr)
        return 1
    print(f"objects under {load().object_store_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
