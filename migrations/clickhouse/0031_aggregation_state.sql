-- The scheduled aggregation (stores/aggregates.py) records, per month partition, the fingerprints of the
-- learning_events it read (that month and the previous one), so a month is recomputed only after a change.
CREATE TABLE IF NOT EXISTS analytics_aggregation_state (
    month UInt32,
    events_fingerprint String,
    previous_fingerprint String,
    computed_at DateTime64(3)
) ENGINE = ReplacingMergeTree(computed_at)
ORDER BY month;
