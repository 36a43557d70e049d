-- The dashboard asks on every page whether any metrics are simulated; a partial
-- index keeps that answer instant on a large metrics table.
CREATE INDEX IF NOT EXISTS metrics_simulated_idx ON acf.metrics (observed_at) WHERE simulated;
