-- A model call is written before it is made (in_flight) and completed when its answer is read, so a task
-- killed during a call leaves a row saying a call was made whose answer the factory never saw: the provider
-- may have billed it (the soak found one such call missing from the ledger).
ALTER TABLE acf.ai_calls ADD COLUMN IF NOT EXISTS in_flight boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS ai_calls_in_flight_idx ON acf.ai_calls (created_at) WHERE in_flight;
