-- learning_events is sorted by time first (as the schema writes it), so a read of one learner's events
-- (ExportEvents, erasure's counts) or of one objective's learners (GetCohortStats) scanned every row.
-- by_learner holds the rows again sorted by learner in the export order; by_objective holds only the
-- three columns the cohort filter reads. Projections live inside each part: inserts, TTL, merges and
-- mutations (erasure's ALTER TABLE DELETE) keep them in step with the rows.
ALTER TABLE learning_events ADD PROJECTION IF NOT EXISTS by_learner (SELECT * ORDER BY learner_id, timestamp, session_id, event_id);
ALTER TABLE learning_events ADD PROJECTION IF NOT EXISTS by_objective (SELECT learning_objective, learner_id, timestamp ORDER BY learning_objective, timestamp, learner_id);
ALTER TABLE learning_events MATERIALIZE PROJECTION by_learner;
ALTER TABLE learning_events MATERIALIZE PROJECTION by_objective;
-- GetCohortStats averages each learner's hourly rows over a range: the whole UTC days of the range are read
-- from per-learner day sums (the hours at either end from the rows). The aggregation's staging tables carry
-- the projection (CREATE TABLE ... AS), so REPLACE PARTITION swaps it in with the month.
ALTER TABLE performance_metrics ADD PROJECTION IF NOT EXISTS daily_by_learner (SELECT metric_type, learner_id, toStartOfDay(timestamp, 'UTC'), sum(metric_value), count() GROUP BY metric_type, learner_id, toStartOfDay(timestamp, 'UTC'));
ALTER TABLE performance_metrics MATERIALIZE PROJECTION daily_by_learner;
