-- Delivery state per outbox consumer. The relays used to share analytics_outbox rows through
-- FOR UPDATE SKIP LOCKED, so each skipped the rows the other held at that moment and delivered them
-- later, out of order. Now every new outbox row gets one outbox_pending row per consumer (a statement
-- trigger, in the producer's transaction, so a row that commits late is pending from the moment it
-- is visible); a consumer's relay deletes only its own pending rows, in the transaction that delivers
-- them. The relays lock the outbox rows they deliver FOR SHARE, which two consumers can hold at once
-- and which still makes erasure's DELETE wait for a batch in flight.
-- analytics_published_at and graph_published_at are no longer written (kept, unread, for old rows).
CREATE TABLE outbox_consumers (
    name VARCHAR(50) PRIMARY KEY
);
INSERT INTO outbox_consumers (name) VALUES ('analytics'), ('graph');

CREATE TABLE outbox_pending (
    consumer VARCHAR(50) NOT NULL REFERENCES outbox_consumers(name),
    outbox_id BIGINT NOT NULL REFERENCES analytics_outbox(outbox_id) ON DELETE CASCADE,
    PRIMARY KEY (consumer, outbox_id)
);
-- The cascade from a deleted outbox row (erasure) looks pending rows up by outbox_id.
CREATE INDEX idx_outbox_pending_outbox ON outbox_pending(outbox_id);

CREATE FUNCTION outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_pending (consumer, outbox_id)
    SELECT c.name, n.outbox_id FROM new_rows n CROSS JOIN outbox_consumers c;
    RETURN NULL;
END
$$;

CREATE TRIGGER trg_outbox_enqueue AFTER INSERT ON analytics_outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_enqueue();

INSERT INTO outbox_pending (consumer, outbox_id)
SELECT 'analytics', outbox_id FROM analytics_outbox WHERE analytics_published_at IS NULL
UNION ALL
SELECT 'graph', outbox_id FROM analytics_outbox WHERE graph_published_at IS NULL;

-- Nothing writes the old columns any more, so their partial indexes would hold every row.
DROP INDEX IF EXISTS idx_analytics_outbox_analytics_pending;
DROP INDEX IF EXISTS idx_analytics_outbox_graph_pending;
