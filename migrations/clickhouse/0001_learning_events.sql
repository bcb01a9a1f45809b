-- §4.3.1 as written; non_replicated_deduplication_window makes insert_deduplication_token work on a plain MergeTree.
CREATE TABLE IF NOT EXISTS learning_events (
    timestamp DateTime64(3),
    event_id String,
    learner_id String,
    session_id String,
    event_type Enum8('session_start' = 1, 'content_access' = 2, 'interaction' = 3, 'assessment_submit' = 4, 'session_end' = 5, 'error' = 6),
    event_data String, -- JSON string
    performance_metrics String, -- JSON string
    duration_ms UInt64,
    success_indicator Bool,
    difficulty_level Float64,
    learning_objective String,
    content_type String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (timestamp, learner_id, session_id)
SETTINGS non_replicated_deduplication_window = 100000;
