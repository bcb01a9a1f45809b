-- GetLearnerPerformance reads one learner's series, but the table is sorted by timestamp first (as the
-- schema writes it): a projection sorted by learner lets that query skip the other learners' rows.
-- Staging tables of the aggregation (CREATE TABLE ... AS) carry it too, so REPLACE PARTITION still works.
ALTER TABLE performance_metrics ADD PROJECTION IF NOT EXISTS by_learner (SELECT * ORDER BY learner_id, metric_type, timestamp);
ALTER TABLE performance_metrics MATERIALIZE PROJECTION by_learner;
