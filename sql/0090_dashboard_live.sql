-- The dashboard as a control room.
-- How far each content piece's render is: the render task writes ffmpeg's progress here through a
-- connection of its own (autocommit), so the dashboard sees it while the render's transaction is open.
CREATE TABLE IF NOT EXISTS acf.render_progress (
    content_id        text        PRIMARY KEY REFERENCES acf.content_pieces (content_id) ON DELETE CASCADE,
    percent           real        NOT NULL,
    rendered_seconds  real        NOT NULL DEFAULT 0,
    total_seconds     real        NOT NULL DEFAULT 0,
    speed             text,
    renditions        text,                   -- the aspects in this render, e.g. "9:16,16:9"
    started_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Who skipped an opportunity from the dashboard (its reason stays in skip_reason).
ALTER TABLE acf.opportunities ADD COLUMN IF NOT EXISTS skipped_by text;
