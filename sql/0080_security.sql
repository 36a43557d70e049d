-- Security (issue 22): how old each Connection's key is (checked daily by acf_maintenance), and how a
-- backup is encrypted. Nothing secret here: connection ids, dates, algorithm names.
CREATE TABLE IF NOT EXISTS acf.connection_keys (
    conn_id     text PRIMARY KEY,
    service     text,                                 -- the registry's service name (or infra: postgres, s3...)
    present     boolean      NOT NULL,                -- the Connection exists
    rotated_at  timestamptz,                          -- its `rotated_at` extra; null when it has none
    checked_at  timestamptz  NOT NULL DEFAULT now()
);

ALTER TABLE acf.backups ADD COLUMN IF NOT EXISTS encryption text;       -- e.g. 'AES-256-GCM/acf1'; null = plain dump
ALTER TABLE acf.backups ADD COLUMN IF NOT EXISTS key_id text;           -- which key (a fingerprint, not the key)
