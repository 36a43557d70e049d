-- trend_observations is the bulk, append-only time series (a million rows per load at
-- scale). Its trend_id is written by the same transaction that upserts acf.trends
-- (acf.trends.load), so the per-row foreign-key check only costs COPY time: measured
-- by bench/bench_ingest.py. Integrity is checked by tests/unit/trends instead.
ALTER TABLE acf.trend_observations DROP CONSTRAINT IF EXISTS trend_observations_trend_id_fkey;
