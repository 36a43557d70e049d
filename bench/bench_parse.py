"""DAG parse time: every DAG file executed fresh, after Airflow itself is imported.

Airflow's own import is the baseline every parser pays anyway; what a DAG file adds
on top (its imports and top-level code) is what this measures. Goal: all files
together under 1 s, i.e. nothing heavy at a DAG file's top level.
Last line: dag_parse_seconds=<total> files=<n>
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".acf" / "bench-airflow"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
sys.path[:0] = [str(ROOT / "include"), str(ROOT / "plugins"), str(ROOT / "dags")]


def main() -> None:
    start = time.perf_counter()
    import airflow.sdk  # noqa: F401  (baseline: every DAG processor has this loaded)

    baseline = time.perf_counter() - start
    total = 0.0
    files = sorted((ROOT / "dags").glob("*.py"))
    for path in files:
        spec = importlib.util.spec_from_file_location(f"bench_dag_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        t0 = time.perf_counter()
        spec.loader.exec_module(module)
        elapsed = time.perf_counter() - t0
        total += elapsed
        print(f"{path.name}: {elapsed:.3f}s")
    print(f"airflow_sdk_import_seconds={baseline:.3f} (baseline, not counted)")
    print(f"dag_parse_seconds={total:.3f} files={len(files)}")


if __name__ == "__main__":
    main()
