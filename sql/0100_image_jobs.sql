-- An image provider's asynchronous job (a Leonardo generation), kept from its submission until its image is
-- stored or it ends without one. A retried make_visual takes an open job up again instead of submitting (and
-- paying for) another: under load Airflow can end a deferred try from outside ("task state changed
-- externally") and its retry used to create a second generation for the same scene.
CREATE TABLE IF NOT EXISTS acf.image_jobs (
    content_id   text        NOT NULL REFERENCES acf.content_pieces (content_id),
    scene_index  integer     NOT NULL,
    provider     text        NOT NULL,
    job          jsonb       NOT NULL,           -- the provider's ids ({"generation_id": ...}); nothing secret
    state        text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'collected', 'ended')),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,           -- past it the job is not waited for again
    PRIMARY KEY (content_id, scene_index, provider)
);
