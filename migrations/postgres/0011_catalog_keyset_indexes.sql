-- Lists page by keyset on (created_at, id); these indexes serve that order directly.
CREATE INDEX idx_training_datasets_created_id ON training_datasets(created_at, dataset_id);
CREATE INDEX idx_training_content_created_id ON training_content(created_at, content_id);
CREATE INDEX idx_training_content_dataset_created_id ON training_content(dataset_id, created_at, content_id);
CREATE INDEX idx_simulation_environments_created_id ON simulation_environments(created_at, environment_id);

-- Variation walks (children by source) and the self-referencing FK check on delete.
CREATE INDEX idx_training_content_variation_source ON training_content(variation_source);

-- ListContent filters on prerequisites with && and @>, like tags and objectives.
CREATE INDEX idx_training_content_prerequisites ON training_content USING GIN(prerequisites);

-- Deleting content or an environment checks learning_sessions references (FK and the
-- FAILED_PRECONDITION pre-check); without these every deleted row scans the sessions table.
CREATE INDEX IF NOT EXISTS idx_learning_sessions_content ON learning_sessions(content_id);
CREATE INDEX IF NOT EXISTS idx_learning_sessions_environment ON learning_sessions(environment_id);
