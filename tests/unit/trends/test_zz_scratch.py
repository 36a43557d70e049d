from datetime import datetime, timezone
from acf import db
from acf.trends import pipeline, more_evidence
START = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)

def test_look(pg_conn, object_root):
    payloads = [pipeline.fetch_raw(s, r, object_root, interval_start=START, observed_at=END)
                for s in ("youtube", "google_trends", "x", "reddit") for r in ("US","GB","IN","BR","DE","JP")]
    summary = pipeline.process(pg_conn, object_root, payloads, interval_start=START, interval_end=END)
    pg_conn.commit()
    print({k: v for k, v in summary.items() if k != "top_trends"})
    g = more_evidence.gather(pg_conn, object_root, interval_start=START, observed_at=END)
    pg_conn.commit()
    print(g)
    rows = db.fetch_dicts(pg_conn, "SELECT t.term, round(t.score::numeric,3) s, t.sources, (SELECT count(*) FROM acf.trend_evidence e WHERE e.trend_id=t.trend_id) n,"
        " (SELECT string_agg(DISTINCT kind, ',') FROM acf.trend_evidence e WHERE e.trend_id=t.trend_id) k FROM acf.trends t ORDER BY score DESC LIMIT 20")
    for r in rows: print(r)
    for r in db.fetch_dicts(pg_conn, "SELECT kind, text, publisher, author, metrics, flag FROM acf.trend_evidence WHERE kind in ('comment','x_post') ORDER BY trend_id, kind LIMIT 12"): print(r)
    print(db.fetch_dicts(pg_conn, "SELECT stage, reason, source FROM acf.quarantine"))
