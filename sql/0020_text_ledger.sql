-- Opportunity and text-generation stage (issue 4): what each model call was for,
-- whether it succeeded, and provenance of angles. Idempotent.
ALTER TABLE acf.ai_calls ADD COLUMN IF NOT EXISTS purpose text;            -- angles | script | ...
ALTER TABLE acf.ai_calls ADD COLUMN IF NOT EXISTS ok boolean NOT NULL DEFAULT true;
ALTER TABLE acf.ai_calls ADD COLUMN IF NOT EXISTS error text;              -- why the call failed (never a secret)
CREATE INDEX IF NOT EXISTS ai_calls_run_idx ON acf.ai_calls (run_id);
CREATE INDEX IF NOT EXISTS ai_calls_opportunity_idx ON acf.ai_calls (opportunity_id);

ALTER TABLE acf.ai_cache ADD COLUMN IF NOT EXISTS hits integer NOT NULL DEFAULT 0;
ALTER TABLE acf.ai_cache ADD COLUMN IF NOT EXISTS last_hit_at timestamptz;

ALTER TABLE acf.opportunities ADD COLUMN IF NOT EXISTS run_id text;

ALTER TABLE acf.angles ADD COLUMN IF NOT EXISTS term text NOT NULL DEFAULT '';
ALTER TABLE acf.angles ADD COLUMN IF NOT EXISTS extra jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE acf.angles ADD COLUMN IF NOT EXISTS run_id text;
ALTER TABLE acf.angles ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS angles_opportunity_idx ON acf.angles (opportunity_id, estimated_value DESC);
