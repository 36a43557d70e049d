-- Production stage: what a content piece was planned for, and its thumbnail.
ALTER TABLE acf.content_pieces ADD COLUMN IF NOT EXISTS platforms text[] NOT NULL DEFAULT '{}';
ALTER TABLE acf.content_pieces ADD COLUMN IF NOT EXISTS aspects text[] NOT NULL DEFAULT '{}';
ALTER TABLE acf.content_pieces ADD COLUMN IF NOT EXISTS thumbnail_key text;
CREATE INDEX IF NOT EXISTS assets_content_idx ON acf.assets (content_id, kind, scene_index);
