-- Scheduled publishing: when a post goes (or went) live.
-- state 'scheduled': the platform holds the post until scheduled_at (YouTube status.publishAt, Facebook
-- scheduled_publish_time), or the factory waits on the triggerer for the slot (TikTok, Instagram: no
-- schedule field) and posts then. 'rejected': a person refused the piece at approval; it is never posted.
-- A 'scheduled' row whose scheduled_at has passed and that the platform holds counts as published
-- (acf.publishing.ledger.promote_scheduled).
ALTER TABLE acf.publications ADD COLUMN IF NOT EXISTS scheduled_at timestamptz;
CREATE INDEX IF NOT EXISTS publications_scheduled_idx ON acf.publications (scheduled_at) WHERE state = 'scheduled';
