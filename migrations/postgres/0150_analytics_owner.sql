-- The node whose embedded analytics engine (chdb) holds this deployment's ClickHouse data. A second
-- node on the same PostgreSQL with an embedded engine of its own would split the analytics, so it
-- refuses to start while another owner is recorded here (stores/analytics_owner.py).
CREATE TABLE analytics_owner (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    owner_id text NOT NULL,
    node_address text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
