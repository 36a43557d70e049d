-- What the piece is spoken and captioned with: the local voices' speed (words per minute) and the
-- caption style (platform = each platform's default from platform_rules.yaml, chunked, word).
ALTER TABLE acf.content_pieces ADD COLUMN IF NOT EXISTS voice_speed integer NOT NULL DEFAULT 165;
ALTER TABLE acf.content_pieces ADD COLUMN IF NOT EXISTS caption_style text NOT NULL DEFAULT 'platform';
