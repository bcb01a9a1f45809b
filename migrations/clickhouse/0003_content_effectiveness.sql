-- §4.3.3 as written.
CREATE TABLE IF NOT EXISTS content_effectiveness (
    timestamp DateTime64(3),
    content_id String,
    dataset_id String,
    usage_count UInt32,
    success_rate Float64,
    average_completion_time UInt32,
    difficulty_perception Float64,
    learner_satisfaction Float64,
    learning_objective_achievement Float64,
    retention_rate Float64,
    improvement_correlation Float64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (timestamp, content_id)
SETTINGS non_replicated_deduplication_window = 10000;
