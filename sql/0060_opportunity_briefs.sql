-- The research brief of each opportunity: the facts (acf.content_models.Fact as JSON, best first)
-- built from the trend's observations when it is scored; scripts cite them by fact_id.
CREATE TABLE IF NOT EXISTS acf.opportunity_briefs (
    opportunity_id  text        PRIMARY KEY REFERENCES acf.opportunities (opportunity_id) ON DELETE CASCADE,
    trend_id        text        NOT NULL,
    facts           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    fact_count      integer     NOT NULL DEFAULT 0,
    run_id          text,
    built_at        timestamptz NOT NULL DEFAULT now()
);
