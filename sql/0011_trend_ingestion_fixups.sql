-- Brings databases that applied an early draft of 0010 to its final shape (idempotent; a no-op on
-- databases that applied the final 0010).
ALTER TABLE acf.trend_loads ADD COLUMN IF NOT EXISTS part text NOT NULL DEFAULT 'all';
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = 'acf.trend_loads'::regclass AND i.indisprimary AND a.attname = 'part'
    ) THEN
        ALTER TABLE acf.trend_loads DROP CONSTRAINT IF EXISTS trend_loads_pkey;
        ALTER TABLE acf.trend_loads ADD PRIMARY KEY (source, region, interval_start, part);
    END IF;
END $$;
DROP INDEX IF EXISTS acf.trend_observations_region_idx;
ALTER TABLE acf.trend_region_stats DROP CONSTRAINT IF EXISTS trend_region_stats_trend_id_fkey;
