-- Lists page by keyset. A key assigned before commit (created_at, start_time, assessment_timestamp)
-- lets rows commit out of key order: a reader whose cursor has passed a key never sees a row that
-- commits behind it later. list_seq is drawn at commit instead, by a deferred constraint trigger
-- that first takes one transaction-level advisory lock shared by every listed table. PostgreSQL
-- releases that lock only after the transaction is visible to others, so a transaction that draws a
-- later value commits later: once a reader sees list_seq N, every row with a smaller list_seq is
-- already visible to it (or was rolled back). Gaps (rollbacks) are harmless.
--
-- The lock is taken after the transaction's own statements ran, so it never waits behind a row
-- lock the transaction holds (no deadlock with row locks); holding it covers the commit itself only.
-- Each insert costs one UPDATE of the new row at commit.
CREATE OR REPLACE FUNCTION assign_list_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The key spells 'list_seq' (other advisory keys: stores/migrator.py, outbox.py, variations.py).
    PERFORM pg_advisory_xact_lock(7811901972305634673);
    -- Static statements per table: PL/pgSQL caches their plans (EXECUTE would plan every row).
    IF TG_TABLE_NAME = 'learning_sessions' THEN
        UPDATE learning_sessions SET list_seq = nextval('learning_sessions_list_seq')
         WHERE session_id = NEW.session_id;
    ELSIF TG_TABLE_NAME = 'assessment_results' THEN
        UPDATE assessment_results SET list_seq = nextval('assessment_results_list_seq')
         WHERE assessment_id = NEW.assessment_id;
    ELSIF TG_TABLE_NAME = 'learner_profiles' THEN
        UPDATE learner_profiles SET list_seq = nextval('learner_profiles_list_seq')
         WHERE profile_id = NEW.profile_id;
    ELSIF TG_TABLE_NAME = 'training_content' THEN
        UPDATE training_content SET list_seq = nextval('training_content_list_seq')
         WHERE content_id = NEW.content_id;
    ELSIF TG_TABLE_NAME = 'training_datasets' THEN
        UPDATE training_datasets SET list_seq = nextval('training_datasets_list_seq')
         WHERE dataset_id = NEW.dataset_id;
    ELSIF TG_TABLE_NAME = 'simulation_environments' THEN
        UPDATE simulation_environments SET list_seq = nextval('simulation_environments_list_seq')
         WHERE environment_id = NEW.environment_id;
    ELSE
        RAISE EXCEPTION 'assign_list_seq: unexpected table %', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;

-- Existing rows keep their old order: numbered by the previous keyset key.
ALTER TABLE learning_sessions ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE learning_sessions_list_seq;
UPDATE learning_sessions t SET list_seq = o.n
  FROM (SELECT session_id, row_number() OVER (ORDER BY start_time, session_id) AS n FROM learning_sessions) o
 WHERE o.session_id = t.session_id;
SELECT setval('learning_sessions_list_seq', COALESCE(max(list_seq), 0) + 1, false) FROM learning_sessions;
CREATE UNIQUE INDEX idx_learning_sessions_list_seq ON learning_sessions(list_seq);
CREATE INDEX idx_learning_sessions_learner_list_seq ON learning_sessions(learner_id, list_seq);
CREATE CONSTRAINT TRIGGER learning_sessions_list_seq AFTER INSERT ON learning_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();

ALTER TABLE assessment_results ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE assessment_results_list_seq;
UPDATE assessment_results t SET list_seq = o.n
  FROM (SELECT assessment_id, row_number() OVER (ORDER BY assessment_timestamp, assessment_id) AS n
          FROM assessment_results) o
 WHERE o.assessment_id = t.assessment_id;
SELECT setval('assessment_results_list_seq', COALESCE(max(list_seq), 0) + 1, false) FROM assessment_results;
CREATE UNIQUE INDEX idx_assessment_results_list_seq ON assessment_results(list_seq);
CREATE INDEX idx_assessment_results_learner_list_seq ON assessment_results(learner_id, list_seq);
CREATE CONSTRAINT TRIGGER assessment_results_list_seq AFTER INSERT ON assessment_results
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();

ALTER TABLE learner_profiles ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE learner_profiles_list_seq;
UPDATE learner_profiles t SET list_seq = o.n
  FROM (SELECT profile_id, row_number() OVER (ORDER BY created_at, profile_id) AS n FROM learner_profiles) o
 WHERE o.profile_id = t.profile_id;
SELECT setval('learner_profiles_list_seq', COALESCE(max(list_seq), 0) + 1, false) FROM learner_profiles;
CREATE UNIQUE INDEX idx_learner_profiles_list_seq ON learner_profiles(list_seq);
CREATE CONSTRAINT TRIGGER learner_profiles_list_seq AFTER INSERT ON learner_profiles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();

ALTER TABLE training_content ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE training_content_list_seq;
UPDATE training_content t SET list_seq = o.n
  FROM (SELECT content_id, row_number() OVER (ORDER BY created_at, content_id) AS n FROM training_content) o
 WHERE o.content_id = t.content_id;
SELECT setval('training_content_list_seq', COALESCE(max(list_seq), 0) + 1, false) FROM training_content;
CREATE UNIQUE INDEX idx_training_content_list_seq ON training_content(list_seq);
CREATE INDEX idx_training_content_dataset_list_seq ON training_content(dataset_id, list_seq);
CREATE CONSTRAINT TRIGGER training_content_list_seq AFTER INSERT ON training_content
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();

ALTER TABLE training_datasets ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE training_datasets_list_seq;
UPDATE training_datasets t SET list_seq = o.n
  FROM (SELECT dataset_id, row_number() OVER (ORDER BY created_at, dataset_id) AS n FROM training_datasets) o
 WHERE o.dataset_id = t.dataset_id;
SELECT setval('training_datasets_list_seq', COALESCE(max(list_seq), 0) + 1, false) FROM training_datasets;
CREATE UNIQUE INDEX idx_training_datasets_list_seq ON training_datasets(list_seq);
CREATE CONSTRAINT TRIGGER training_datasets_list_seq AFTER INSERT ON training_datasets
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();

ALTER TABLE simulation_environments ADD COLUMN list_seq BIGINT;
CREATE SEQUENCE simulation_environments_list_seq;
UPDATE simulation_environments t SET list_seq = o.n
  FROM (SELECT environment_id, row_number() OVER (ORDER BY created_at, environment_id) AS n
          FROM simulation_environments) o
 WHERE o.environment_id = t.environment_id;
SELECT setval('simulation_environments_list_seq', COALESCE(max(list_seq), 0) + 1, false)
  FROM simulation_environments;
CREATE UNIQUE INDEX idx_simulation_environments_list_seq ON simulation_environments(list_seq);
CREATE CONSTRAINT TRIGGER simulation_environments_list_seq AFTER INSERT ON simulation_environments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assign_list_seq();
