-- Analytics: ROI rollups per day and dimension, and the backup catalogue.

-- publications.published_at is added by 0040_publishing; repeated here so the
-- analytics queries never depend on migration order within a deployment.
ALTER TABLE acf.publications ADD COLUMN IF NOT EXISTS published_at timestamptz;

CREATE INDEX IF NOT EXISTS metrics_observed_idx ON acf.metrics (observed_at);
CREATE INDEX IF NOT EXISTS ai_calls_content_idx ON acf.ai_calls (content_id);
CREATE INDEX IF NOT EXISTS ai_calls_created_idx ON acf.ai_calls (created_at);

-- One row per (as_of day, dimension, key). dimension is content | category |
-- tier | platform; key is the content id, category, tier or platform.
-- Recomputing a day replaces its rows (idempotent).
CREATE TABLE IF NOT EXISTS acf.roi_rollups (
    as_of            date             NOT NULL,
    dimension        text             NOT NULL,
    key              text             NOT NULL,
    pieces           integer          NOT NULL DEFAULT 0,
    publications     integer          NOT NULL DEFAULT 0,
    views            bigint           NOT NULL DEFAULT 0,
    engagement       bigint           NOT NULL DEFAULT 0,   -- likes + comments + shares
    cost_usd         numeric(14, 6)   NOT NULL DEFAULT 0,
    revenue_usd      numeric(14, 6)   NOT NULL DEFAULT 0,
    roi              double precision,                       -- (revenue - cost) / cost; null when cost is 0
    engagement_per_usd double precision,                     -- null when cost is 0
    simulated        boolean          NOT NULL DEFAULT false, -- any simulated metrics inside
    computed_at      timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (as_of, dimension, key)
);
CREATE INDEX IF NOT EXISTS roi_rollups_dim_idx ON acf.roi_rollups (dimension, as_of);

-- Every pg_dump written to the object store, so retention and restore never
-- have to list the store.
CREATE TABLE IF NOT EXISTS acf.backups (
    backup_key   text PRIMARY KEY,                 -- object-store key of the dump
    bytes        bigint       NOT NULL,
    checksum     text         NOT NULL,            -- sha256 of the dump file
    row_counts   jsonb        NOT NULL DEFAULT '{}'::jsonb,  -- table -> rows at dump time
    created_at   timestamptz  NOT NULL DEFAULT now(),
    deleted_at   timestamptz                        -- set when retention removed the object
);
