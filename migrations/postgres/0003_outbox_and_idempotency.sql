-- DESIGN.md "Cross-store consistency": the transactional outbox replaces the schema's
-- clickhouse_insert() trigger, which does not exist. A row is written in the same
-- transaction as the session, assessment or profile change it describes; each consumer
-- (analytics relay, graph relay) marks its own delivery column.
CREATE TABLE analytics_outbox (
    outbox_id BIGSERIAL PRIMARY KEY,
    event_id UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    event_type VARCHAR(50) NOT NULL,
    aggregate_id VARCHAR(100) NOT NULL,
    learner_id VARCHAR(100),
    payload JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    analytics_published_at TIMESTAMP WITH TIME ZONE,
    graph_published_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX idx_analytics_outbox_analytics_pending ON analytics_outbox(outbox_id) WHERE analytics_published_at IS NULL;
CREATE INDEX idx_analytics_outbox_graph_pending ON analytics_outbox(outbox_id) WHERE graph_published_at IS NULL;
CREATE INDEX idx_analytics_outbox_learner ON analytics_outbox(learner_id);

-- Create requests carry a request_id; a retry finds its first result here.
CREATE TABLE idempotency_keys (
    request_id VARCHAR(200) NOT NULL,
    operation VARCHAR(100) NOT NULL,
    resource_id VARCHAR(200) NOT NULL,
    identity VARCHAR(100) NOT NULL DEFAULT '',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (operation, request_id)
);
