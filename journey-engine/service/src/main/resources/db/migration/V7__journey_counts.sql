-- Each journey's figures, kept as the engine applies events (JourneyCounts.java), so that the console and the funnel
-- API read a few hundred rows instead of counting over millions of enrollments. Keyed by the cohort day (the UTC day
-- the users entered) and spread over shards so that concurrent transactions rarely wait on one row.
CREATE TABLE journey_counts (
    journey    text     NOT NULL,
    cohort_day date     NOT NULL,
    holdout    boolean  NOT NULL,
    figure     text     NOT NULL,
    label      text     NOT NULL,
    shard      smallint NOT NULL,
    n          bigint   NOT NULL,
    PRIMARY KEY (journey, cohort_day, holdout, figure, label, shard)
);

-- The bucket of a time from entering to doing a step: JourneyCounts.WITHIN.
CREATE FUNCTION journey_counts_bucket(d interval) RETURNS text LANGUAGE sql IMMUTABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(
        (SELECT u.bound::text FROM unnest(ARRAY[60, 300, 900, 3600, 10800, 21600, 43200, 86400, 172800, 259200,
                                                604800, 1209600, 2592000]) AS u(bound)
         WHERE greatest(0, floor(extract(epoch FROM d))) <= u.bound ORDER BY u.bound LIMIT 1),
        'later')
$$;

-- The same figures as JourneyCounts.contributions, computed over the enrollments as they are now (a test holds the two
-- equal).
CREATE FUNCTION journey_counts_from_enrollments()
    RETURNS TABLE (journey text, cohort_day date, holdout boolean, figure text, label text, n bigint)
    LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT e.journey, (e.enrolled_at AT TIME ZONE 'UTC')::date, e.holdout, f.figure, f.label, count(*)
    FROM enrollments e
    CROSS JOIN LATERAL (
        SELECT 'entered', ''
        UNION ALL SELECT e.status, '' WHERE e.status IN ('completed', 'exited')
        UNION ALL SELECT 'converted', '' WHERE e.converted_at IS NOT NULL
        UNION ALL SELECT 'done', d.step FROM jsonb_each_text(e.done) AS d(step, at)
        UNION ALL SELECT 'done_within', d.step || '|' || journey_counts_bucket(d.at::timestamptz - e.enrolled_at)
                  FROM jsonb_each_text(e.done) AS d(step, at)
        UNION ALL (
            SELECT 'reached', s FROM (
                SELECT e.current_step WHERE e.current_step IS NOT NULL
                UNION SELECT m->>'step' FROM jsonb_array_elements(e.sent) AS m
                UNION SELECT d.step FROM jsonb_object_keys(e.done) AS d(step)) AS r(s))
        UNION ALL (
            SELECT DISTINCT x.figure, m->>'step' FROM jsonb_array_elements(e.sent) AS m
            CROSS JOIN LATERAL (
                SELECT CASE WHEN m->>'kind' = 'reminder' THEN 'reminded' ELSE 'nudged' END
                UNION ALL SELECT 'read' WHERE m->>'status' IN ('read', 'clicked', 'dismissed')
                UNION ALL SELECT 'clicked' WHERE m->>'status' = 'clicked') AS x(figure))
        UNION ALL (
            SELECT 'message', (m->>'channel') || '|' || x.outcome FROM jsonb_array_elements(e.sent) AS m
            CROSS JOIN LATERAL (
                SELECT 'sent'
                UNION ALL SELECT 'delivered'
                          WHERE m->>'status' IN ('delivered', 'read', 'clicked', 'dismissed', 'unsubscribed')
                UNION ALL SELECT 'read' WHERE m->>'status' IN ('read', 'clicked', 'dismissed')
                UNION ALL SELECT m->>'status' WHERE m->>'status' IN ('failed', 'suppressed', 'unsubscribed', 'clicked'))
                AS x(outcome)
            WHERE coalesce(m->>'status', 'sent') <> 'held_out')
    ) AS f(figure, label)
    GROUP BY 1, 2, 3, 4, 5
$$;

-- Fills the table on upgrade, and rebuilds it should it ever be in doubt (the figures of erased or purged enrollments
-- are then gone). The lock holds back the engine's own updates until the rebuilt rows are committed; each statement
-- then sees every change committed before it, none twice.
CREATE FUNCTION rebuild_journey_counts() RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    LOCK TABLE journey_counts IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM journey_counts;
    INSERT INTO journey_counts (journey, cohort_day, holdout, figure, label, shard, n)
    SELECT c.journey, c.cohort_day, c.holdout, c.figure, c.label, 0, c.n FROM journey_counts_from_enrollments() AS c;
END
$$;

SELECT rebuild_journey_counts();
