-- EraseLearner records its progress here, one row per store step, so that a call after a crash
-- resumes where the previous one stopped. A job row outlives the learner's data: it is the audit
-- record that the erasure happened.
CREATE TABLE erasure_jobs (
    learner_id VARCHAR(100) PRIMARY KEY,
    requested_by VARCHAR(100) NOT NULL DEFAULT '',
    passes INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMP WITH TIME ZONE
);

CREATE TABLE erasure_steps (
    learner_id VARCHAR(100) NOT NULL REFERENCES erasure_jobs(learner_id) ON DELETE CASCADE,
    store VARCHAR(20) NOT NULL CHECK (store IN ('postgresql', 'redis', 'graph', 'clickhouse')),
    position SMALLINT NOT NULL,
    removed_count BIGINT NOT NULL DEFAULT 0,
    done BOOLEAN NOT NULL DEFAULT false,
    detail TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (learner_id, store)
);
