-- §4.7.1 "materialized views for complex learner analytics queries": one row per learner,
-- refreshed CONCURRENTLY on a schedule (readers never block; the unique index makes that possible).
CREATE MATERIALIZED VIEW learner_summaries AS
SELECT p.learner_id,
       p.learner_type,
       count(DISTINCT s.session_id)                                                   AS sessions_total,
       count(DISTINCT s.session_id) FILTER (WHERE s.completion_status = 'completed')  AS sessions_completed,
       count(DISTINCT s.session_id) FILTER (WHERE s.completion_status = 'in_progress') AS sessions_in_progress,
       COALESCE(avg(s.duration) FILTER (WHERE s.duration IS NOT NULL), 0)::double precision AS avg_duration_seconds,
       count(DISTINCT a.assessment_id)                                                AS assessments_total,
       avg(a.confidence_level)::double precision                                      AS avg_confidence,
       greatest(max(s.start_time), max(a.assessment_timestamp), p.last_activity)      AS last_seen_at
FROM learner_profiles p
LEFT JOIN learning_sessions s ON s.learner_id = p.learner_id
LEFT JOIN assessment_results a ON a.learner_id = p.learner_id
GROUP BY p.learner_id, p.learner_type, p.last_activity;

CREATE UNIQUE INDEX idx_learner_summaries_learner ON learner_summaries(learner_id);
