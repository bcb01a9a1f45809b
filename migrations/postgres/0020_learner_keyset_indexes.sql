-- LearnerService lists are ordered by (time column, id) and paged by keyset; these indexes serve
-- each order, overall and per learner. assessment_results(session_id) serves rule-2 checks and
-- erasure, which deletes by session.
CREATE INDEX idx_learner_profiles_created_keyset ON learner_profiles(created_at, profile_id);
CREATE INDEX idx_learning_sessions_start_keyset ON learning_sessions(start_time, session_id);
CREATE INDEX idx_learning_sessions_learner_start ON learning_sessions(learner_id, start_time, session_id);
CREATE INDEX idx_assessment_results_timestamp_keyset ON assessment_results(assessment_timestamp, assessment_id);
CREATE INDEX idx_assessment_results_learner_timestamp ON assessment_results(learner_id, assessment_timestamp, assessment_id);
CREATE INDEX idx_assessment_results_session ON assessment_results(session_id);
