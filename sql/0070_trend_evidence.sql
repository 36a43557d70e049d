-- What each trend is about, as the sources said it (issue 19): news items, Reddit posts and top comments,
-- YouTube videos, X posts. One row per trend and piece of evidence: the same words seen again (another
-- region, another run, a syndicated headline) update that row. Text is stored verbatim, at most 1,000
-- characters; text that reads like instructions is quarantined instead (acf.quarantine, stage
-- trends.evidence); text brand safety would skip is kept with its reason in `flag` and never cited.
-- Rows not seen for ACF_EVIDENCE_RETENTION_DAYS (30) are deleted by acf_maintenance.
CREATE TABLE IF NOT EXISTS acf.trend_evidence (
    trend_id        text        NOT NULL,
    evidence_id     text        NOT NULL,           -- stable hash of kind and normalised text
    kind            text        NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,19}$'),  -- news|post|comment|video|x_post
    source          text        NOT NULL,           -- google_trends | reddit | youtube | x | an extension's
    text            text        NOT NULL,           -- verbatim (cut at 1,000 characters: metrics.truncated)
    publisher       text,                           -- news outlet, channel, r/subreddit, X display name
    author          text,                           -- u/name, @handle
    url             text,
    published_at    timestamptz,
    metrics         jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- counts as the source gives them
    item_id         text,                           -- the source's own id (post, comment, video, post on X)
    parent_id       text,                           -- a comment's post (its item_id)
    region          text,
    raw_key         text,                           -- object-store key of the answer it was read from
    flag            text,                           -- why brand safety would not cite it (kept, not used)
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    PRIMARY KEY (trend_id, evidence_id)
);
CREATE INDEX IF NOT EXISTS trend_evidence_last_seen_idx ON acf.trend_evidence (last_seen);
