-- Observations are looked up by trend (dashboard, packaging, competition), never by trend and time
-- range: a single-column index deduplicates its repeated trend ids (one entry per trend per leaf
-- page instead of one per row), so it is a fraction of the size and of the COPY cost of the
-- (trend_id, observed_at) index it replaces (measured by bench/bench_ingest.py).
DROP INDEX IF EXISTS acf.trend_observations_trend_idx;
CREATE INDEX IF NOT EXISTS trend_observations_trend_id_idx ON acf.trend_observations (trend_id);

-- The regional views partition by (trend_id, region) ordered by interval_start, which the primary key
-- serves; nothing reads trend_region_stats by region alone, so that index only cost load time.
DROP INDEX IF EXISTS acf.trend_region_stats_region_idx;
