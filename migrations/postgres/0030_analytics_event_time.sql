-- Rule 5 and the analytics relay must agree on the time of the learning event an outbox row becomes:
-- the payload's own time (start_time, end_time, assessment_timestamp) when it is ISO-8601 text with a
-- zone and inside ClickHouse's DateTime64 range, else the row's created_at; truncated to milliseconds
-- as DateTime64(3) stores it. One definition, used by stores/analytics_relay.py and stores/reconcile.py.
CREATE OR REPLACE FUNCTION analytics_event_time(kind TEXT, payload JSONB, created_at TIMESTAMPTZ)
RETURNS TIMESTAMPTZ LANGUAGE plpgsql STABLE AS $$
DECLARE
    raw TEXT := payload ->> (CASE kind WHEN 'session_start' THEN 'start_time'
                                       WHEN 'session_end' THEN 'end_time'
                                       WHEN 'assessment_submit' THEN 'assessment_timestamp'
                                       ELSE '' END);
    parsed TIMESTAMPTZ;
BEGIN
    IF raw IS NULL
       OR raw !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$'
       OR NOT pg_input_is_valid(raw, 'timestamptz') THEN
        RETURN date_trunc('milliseconds', created_at);
    END IF;
    parsed := raw::timestamptz;
    IF parsed < '1970-01-01T00:00:00Z' OR parsed >= '2200-01-01T00:00:00Z' THEN
        RETURN date_trunc('milliseconds', created_at);
    END IF;
    RETURN date_trunc('milliseconds', parsed);
END
$$;

-- Reconcile reads the delivered source rows by event type.
CREATE INDEX IF NOT EXISTS idx_analytics_outbox_type ON analytics_outbox(event_type, outbox_id);
