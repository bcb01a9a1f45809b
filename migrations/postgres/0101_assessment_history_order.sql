-- The one order of a learner's assessments (stores/skill_history.py): assessment_timestamp, then
-- assessment_id. The graph relay reads one (learner, skill) history in this order when an assessment
-- arrives that sorts before ones already applied to the edge.
CREATE INDEX IF NOT EXISTS idx_assessment_results_learner_order
    ON assessment_results(learner_id, assessment_timestamp, assessment_id);
