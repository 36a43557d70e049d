"""The benchmark's path (multi-interval batches, sample validation) on a small generated set."""
from __future__ import annotations

import sys
from pathlib import Path

from acf import db
from acf.trends import pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))


def test_generated_batch_loads_with_sample_validation(pg_conn):
    import bench_ingest as bench

    items = bench.generate_items(6000, 4, seed=1)
    frame = bench.materialise(items, 0, 4, 6000, seed=1)
    with pg_conn.transaction():
        summary = pipeline.ingest_frame(pg_conn, frame, interval_start=bench.START,
                                        interval_end=bench.START + bench.INTERVAL * 4,
                                        validation="sample", regions_in_scope=6)
    assert summary["loaded"] + summary["quarantined"] + summary["duplicate_items"] == len(frame)
    # the generated items carry evidence as real ones do: headlines, posts, videos, stored with the load
    kinds = {r["kind"] for r in db.fetch_dicts(pg_conn, "SELECT DISTINCT kind FROM acf.trend_evidence")}
    assert summary["evidence"] > 0 and kinds == {"news", "post", "video"}
    assert summary["quarantined"] > 0  # the generator's ~0.3% invalid rows
    stats = db.fetch_dicts(pg_conn, "SELECT count(DISTINCT interval_start) AS n FROM acf.trend_region_stats")[0]
    assert stats["n"] == 4
    reasons = {r["reason"] for r in db.fetch_dicts(pg_conn, "SELECT reason FROM acf.quarantine")}
    assert any("region" in r for r in reasons) and any("url" in r for r in reasons)
    comps = db.fetch_dicts(pg_conn, "SELECT score, score_components FROM acf.trends")
    assert comps and all(0 <= c["score"] <= 1 for c in comps)
