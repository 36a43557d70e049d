-- Publishing stage: what a platform upload needs to resume or reconcile, and
-- quota spend per platform account. (content_pieces.platforms, the plan's
-- platforms, comes from 0030_production.sql.)

-- Resumable state of an upload (session URI, confirmed bytes, container or
-- publish id) and the marker embedded in the post so a rerun can look it up.
ALTER TABLE acf.publications ADD COLUMN IF NOT EXISTS upload_state jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE acf.publications ADD COLUMN IF NOT EXISTS marker text;
ALTER TABLE acf.publications ADD COLUMN IF NOT EXISTS published_at timestamptz;
CREATE INDEX IF NOT EXISTS publications_state_idx ON acf.publications (state, deferred_until);

-- Every quota unit spent, one row per call that costs quota. Rolling and fixed
-- windows are both sums over this table; the limits themselves are data
-- (include/acf/publishing/platform_rules.yaml).
CREATE TABLE IF NOT EXISTS acf.quota_spend (
    spend_id        bigserial PRIMARY KEY,
    platform        text        NOT NULL,
    account         text        NOT NULL,
    bucket          text        NOT NULL,           -- upload_units | inserts | inits | posts
    units           integer     NOT NULL,
    publication_id  text,
    spent_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quota_spend_window_idx ON acf.quota_spend (platform, account, bucket, spent_at);

-- A platform told us to wait (429 quotaExceeded, publishing limit reached):
-- nothing is sent on that bucket until blocked_until.
CREATE TABLE IF NOT EXISTS acf.quota_blocks (
    platform        text        NOT NULL,
    account         text        NOT NULL,
    bucket          text        NOT NULL,
    blocked_until   timestamptz NOT NULL,
    reason          text        NOT NULL,
    PRIMARY KEY (platform, account, bucket)
);
