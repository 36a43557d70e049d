-- Subreddit listings carry no region: their observations are stored with region 'ZZ' (CLDR's
-- "Unknown Region") so engagement totals stay whole, but "where is it rising" and "global or local"
-- are about known regions only.
CREATE OR REPLACE VIEW acf.trend_regional_momentum AS
WITH ordered AS (
    SELECT s.*,
           lag(s.engagement)     OVER w AS previous_engagement,
           lag(s.interval_start) OVER w AS previous_interval,
           row_number()          OVER (PARTITION BY s.trend_id, s.region ORDER BY s.interval_start DESC) AS recency_rank
    FROM acf.trend_region_stats s
    WHERE s.region <> 'ZZ'
    WINDOW w AS (PARTITION BY s.trend_id, s.region ORDER BY s.interval_start)
)
SELECT trend_id, region, interval_start, observations, sources, engagement,
       previous_engagement, previous_interval,
       CASE WHEN previous_engagement IS NULL THEN NULL
            ELSE (engagement - previous_engagement) / greatest(previous_engagement, 1) END AS growth,
       (previous_engagement IS NULL OR engagement > previous_engagement) AS rising
FROM ordered
WHERE recency_rank = 1;

CREATE OR REPLACE VIEW acf.trend_reach AS
WITH recent AS (
    SELECT s.trend_id, s.region, s.engagement
    FROM acf.trend_region_stats s
    JOIN acf.trends t USING (trend_id)
    WHERE s.interval_start >= t.last_seen - interval '24 hours' AND s.region <> 'ZZ'
)
SELECT r.trend_id, t.term, t.score, t.category,
       count(DISTINCT r.region)                    AS region_count,
       array_agg(DISTINCT r.region ORDER BY r.region) AS regions,
       sum(r.engagement)                           AS engagement,
       CASE WHEN count(DISTINCT r.region) >= 3 THEN 'global' ELSE 'local' END AS reach
FROM recent r JOIN acf.trends t USING (trend_id)
GROUP BY r.trend_id, t.term, t.score, t.category;
