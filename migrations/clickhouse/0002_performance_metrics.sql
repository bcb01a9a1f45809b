-- §4.3.2 as written.
CREATE TABLE IF NOT EXISTS performance_metrics (
    timestamp DateTime64(3),
    learner_id String,
    metric_type Enum8('accuracy' = 1, 'speed' = 2, 'completion_rate' = 3, 'retention' = 4, 'engagement' = 5, 'improvement' = 6),
    metric_value Float64,
    metric_context String, -- JSON string with context
    skill_category String,
    session_type String,
    content_difficulty Float64,
    baseline_value Float64,
    improvement_rate Float64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(timestamp)
ORDER BY (timestamp, learner_id, metric_type)
SETTINGS non_replicated_deduplication_window = 10000;
