-- Core schema of the factory. Data walks one way:
-- trend_observations -> trends -> opportunities/angles -> content_pieces (assets)
-- -> renditions -> publications -> metrics. ai_calls and quarantine sit beside.
CREATE SCHEMA IF NOT EXISTS acf;

CREATE TABLE IF NOT EXISTS acf.quarantine (
    quarantine_id   bigserial PRIMARY KEY,
    stage           text        NOT NULL,           -- e.g. trends.validate
    source          text,
    reason          text        NOT NULL,
    raw_key         text,                           -- object-store key of the payload as received
    payload         text,                           -- the rejected item, verbatim
    run_id          text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS acf.trends (
    trend_id          text PRIMARY KEY,             -- stable hash of the normalised key term
    term              text        NOT NULL,
    title             text        NOT NULL,
    category          text        NOT NULL DEFAULT 'general',
    category_id       integer,                      -- YouTube category id where known
    score             double precision NOT NULL DEFAULT 0,
    score_components  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    sources           text[]      NOT NULL DEFAULT '{}',
    regions           text[]      NOT NULL DEFAULT '{}',
    observation_count integer     NOT NULL DEFAULT 0,
    first_seen        timestamptz NOT NULL,
    last_seen         timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS trends_score_idx ON acf.trends (score DESC);

CREATE TABLE IF NOT EXISTS acf.trend_observations (
    observation_key text PRIMARY KEY,               -- hash of source, region, item id and interval: reruns add nothing
    trend_id        text        REFERENCES acf.trends (trend_id),
    source          text        NOT NULL,
    region          text        NOT NULL,
    term            text        NOT NULL,
    title           text        NOT NULL,
    url             text,
    category        text,
    metrics         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    observed_at     timestamptz NOT NULL,
    language        text,
    raw_key         text,
    loaded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS trend_observations_trend_idx ON acf.trend_observations (trend_id, observed_at);

CREATE TABLE IF NOT EXISTS acf.opportunities (
    opportunity_id  text PRIMARY KEY,
    trend_id        text        NOT NULL REFERENCES acf.trends (trend_id),
    score           double precision NOT NULL,
    components      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status          text        NOT NULL DEFAULT 'open',   -- open | skipped | in_production | produced
    skip_reason     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS opportunities_score_idx ON acf.opportunities (status, score DESC);

CREATE TABLE IF NOT EXISTS acf.angles (
    angle_id        text PRIMARY KEY,
    opportunity_id  text        NOT NULL REFERENCES acf.opportunities (opportunity_id),
    kind            text        NOT NULL,           -- explainer | reaction | list | ...
    hook            text        NOT NULL,
    title           text        NOT NULL,
    platforms       text[]      NOT NULL,
    format          text        NOT NULL,           -- short | long
    estimated_value double precision NOT NULL DEFAULT 0,
    provider        text        NOT NULL,
    model           text        NOT NULL,
    prompt_version  text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS acf.content_pieces (
    content_id      text PRIMARY KEY,
    opportunity_id  text        REFERENCES acf.opportunities (opportunity_id),
    angle_id        text        REFERENCES acf.angles (angle_id),
    tier            text        NOT NULL,
    language        text        NOT NULL DEFAULT 'en',
    target_seconds  integer     NOT NULL,
    title           text,
    script          jsonb,
    providers       jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- modality -> provider that made it
    status          text        NOT NULL DEFAULT 'planned',    -- planned | generating | rendering | ready | failed
    error           text,
    run_id          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS acf.assets (
    asset_id        text PRIMARY KEY,
    content_id      text        NOT NULL REFERENCES acf.content_pieces (content_id),
    kind            text        NOT NULL,           -- image | voice | music | thumbnail | contact_sheet | script
    scene_index     integer,
    provider        text        NOT NULL,
    object_key      text        NOT NULL,
    duration_seconds double precision,
    bytes           bigint      NOT NULL,
    checksum        text        NOT NULL,           -- sha256
    meta            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS acf.renditions (
    rendition_id    text PRIMARY KEY,
    content_id      text        NOT NULL REFERENCES acf.content_pieces (content_id),
    aspect          text        NOT NULL,           -- 9:16 | 16:9 | 1:1
    width           integer     NOT NULL,
    height          integer     NOT NULL,
    duration_seconds double precision NOT NULL,
    object_key      text        NOT NULL,
    bytes           bigint      NOT NULL,
    checksum        text        NOT NULL,
    checks          jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- measured values per platform check
    status          text        NOT NULL DEFAULT 'ready',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (content_id, aspect)
);

CREATE TABLE IF NOT EXISTS acf.publications (
    publication_id  text PRIMARY KEY,
    content_id      text        NOT NULL REFERENCES acf.content_pieces (content_id),
    platform        text        NOT NULL,
    account         text        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending',
        -- pending | uploading | processing | published | failed | deferred | needs_reauth
    external_id     text,
    url             text,
    package_key     text,                           -- what was sent (metadata, rendition) in the object store
    attempts        integer     NOT NULL DEFAULT 0,
    error           text,
    deferred_until  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (content_id, platform, account)
);

CREATE TABLE IF NOT EXISTS acf.metrics (
    publication_id  text        NOT NULL REFERENCES acf.publications (publication_id),
    observed_at     timestamptz NOT NULL,
    views           bigint      NOT NULL DEFAULT 0,
    likes           bigint      NOT NULL DEFAULT 0,
    comments        bigint      NOT NULL DEFAULT 0,
    shares          bigint      NOT NULL DEFAULT 0,
    watch_seconds   double precision,
    simulated       boolean     NOT NULL DEFAULT false,  -- offline tier: not real platform numbers
    PRIMARY KEY (publication_id, observed_at)
);

CREATE TABLE IF NOT EXISTS acf.ai_calls (
    call_id         bigserial PRIMARY KEY,
    run_id          text,
    modality        text        NOT NULL,           -- text | image | voice
    provider        text        NOT NULL,
    model           text        NOT NULL,
    prompt_version  text,
    input_hash      text,
    input_tokens    integer     NOT NULL DEFAULT 0,
    output_tokens   integer     NOT NULL DEFAULT 0,
    units           double precision NOT NULL DEFAULT 0,  -- images, characters, seconds
    cost_usd        numeric(12, 6) NOT NULL DEFAULT 0,
    latency_ms      integer     NOT NULL DEFAULT 0,
    cache_hit       boolean     NOT NULL DEFAULT false,
    opportunity_id  text,
    content_id      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS acf.ai_cache (
    cache_key       text PRIMARY KEY,               -- provider, model, prompt version, input hash
    provider        text        NOT NULL,
    model           text        NOT NULL,
    prompt_version  text        NOT NULL,
    input_hash      text        NOT NULL,
    response        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
