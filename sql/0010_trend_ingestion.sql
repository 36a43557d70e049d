-- Trend ingestion (issue 3): matching key, comparable engagement and interval per
-- observation; a ledger of loaded payloads (reruns add nothing); per-region stats
-- and the regional-analysis views.
ALTER TABLE acf.trend_observations ADD COLUMN IF NOT EXISTS term_key      text;
ALTER TABLE acf.trend_observations ADD COLUMN IF NOT EXISTS engagement    double precision NOT NULL DEFAULT 0;
ALTER TABLE acf.trend_observations ADD COLUMN IF NOT EXISTS published_at  timestamptz;
ALTER TABLE acf.trend_observations ADD COLUMN IF NOT EXISTS interval_start timestamptz;
ALTER TABLE acf.trend_observations ADD COLUMN IF NOT EXISTS source_item_id text;

ALTER TABLE acf.trends ADD COLUMN IF NOT EXISTS term_key text;

-- One row per (source, region, interval, part) payload loaded: a rerun finds its row and adds nothing.
CREATE TABLE IF NOT EXISTS acf.trend_loads (
    source          text        NOT NULL,
    region          text        NOT NULL,
    interval_start  timestamptz NOT NULL,
    part            text        NOT NULL DEFAULT 'all',   -- page or batch of the same fetch
    raw_key         text,
    observations    integer     NOT NULL DEFAULT 0,
    quarantined     integer     NOT NULL DEFAULT 0,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, region, interval_start, part)
);

-- Per trend, region and interval: what the regional analysis reads. Derived from the observations
-- in the same transaction that loads them; no foreign key, on purpose (a per-row check is most of its
-- load cost, and the loader writes the trend first).
CREATE TABLE IF NOT EXISTS acf.trend_region_stats (
    trend_id        text        NOT NULL,
    region          text        NOT NULL,
    interval_start  timestamptz NOT NULL,
    observations    integer     NOT NULL,
    sources         text[]      NOT NULL DEFAULT '{}',
    engagement      double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (trend_id, region, interval_start)
);
CREATE INDEX IF NOT EXISTS trend_region_stats_region_idx ON acf.trend_region_stats (region, interval_start);

-- Where each trend is rising: latest interval against the one before, per region.
CREATE OR REPLACE VIEW acf.trend_regional_momentum AS
WITH ordered AS (
    SELECT s.*,
           lag(s.engagement)     OVER w AS previous_engagement,
           lag(s.interval_start) OVER w AS previous_interval,
           row_number()          OVER (PARTITION BY s.trend_id, s.region ORDER BY s.interval_start DESC) AS recency_rank
    FROM acf.trend_region_stats s
    WINDOW w AS (PARTITION BY s.trend_id, s.region ORDER BY s.interval_start)
)
SELECT trend_id, region, interval_start, observations, sources, engagement,
       previous_engagement, previous_interval,
       CASE WHEN previous_engagement IS NULL THEN NULL
            ELSE (engagement - previous_engagement) / greatest(previous_engagement, 1) END AS growth,
       (previous_engagement IS NULL OR engagement > previous_engagement) AS rising
FROM ordered
WHERE recency_rank = 1;

-- Global versus local: in how many regions each trend was seen over its last day.
CREATE OR REPLACE VIEW acf.trend_reach AS
WITH recent AS (
    SELECT s.trend_id, s.region, s.engagement
    FROM acf.trend_region_stats s
    JOIN acf.trends t USING (trend_id)
    WHERE s.interval_start >= t.last_seen - interval '24 hours'
)
SELECT r.trend_id, t.term, t.score, t.category,
       count(DISTINCT r.region)                    AS region_count,
       array_agg(DISTINCT r.region ORDER BY r.region) AS regions,
       sum(r.engagement)                           AS engagement,
       CASE WHEN count(DISTINCT r.region) >= 3 THEN 'global' ELSE 'local' END AS reach
FROM recent r JOIN acf.trends t USING (trend_id)
GROUP BY r.trend_id, t.term, t.score, t.category;
