-- Live simulations (§4.4.1, rule 1). One row per simulation, written in the same transaction as the
-- participants' learning_sessions rows and before any Redis key exists: status 'starting' is the marker
-- the reconciler uses to abandon a start that crashed before its Redis step. The row also reserves the
-- simulation id for good and keeps the result of EndSimulation, which makes ending idempotent.
CREATE TABLE simulations (
    simulation_id VARCHAR(64) PRIMARY KEY,
    environment_id UUID NOT NULL REFERENCES simulation_environments(environment_id),
    status VARCHAR(20) NOT NULL DEFAULT 'starting'
        CHECK (status IN ('starting', 'live', 'ended', 'abandoned')),
    max_participants INTEGER NOT NULL,
    participants TEXT[] NOT NULL,          -- initial participants
    config JSONB NOT NULL DEFAULT '{}'::jsonb,
    initial_state JSONB NOT NULL DEFAULT '{}'::jsonb,
    started_by VARCHAR(100) NOT NULL DEFAULT '',
    start_time TIMESTAMP WITH TIME ZONE NOT NULL,
    end_time TIMESTAMP WITH TIME ZONE,
    synced_version BIGINT NOT NULL DEFAULT 0,  -- last Redis version copied into the sessions' rows
    synced_at TIMESTAMP WITH TIME ZONE,
    end_result JSONB,                          -- EndSimulation's answer, replayed on a repeat
    end_reason VARCHAR(100)
);

CREATE INDEX idx_simulations_unended ON simulations(start_time) WHERE status IN ('starting', 'live');

-- The participants' sessions of one simulation, found by the id in session_metadata.
CREATE INDEX idx_learning_sessions_simulation ON learning_sessions ((session_metadata->>'simulation_id'))
    WHERE session_type = 'simulation';
