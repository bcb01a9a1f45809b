-- Simulation join policies (issue 15). The start's policy and invitations are kept with the row, so a
-- retried start that finishes the Redis step writes them too; later invitations live in Redis only,
-- like the rest of the live state. Rows from before policies existed stay open, as they were.
ALTER TABLE simulations ADD COLUMN join_policy VARCHAR(20) NOT NULL DEFAULT 'open'
    CHECK (join_policy IN ('invite_only', 'open'));

ALTER TABLE simulations ADD COLUMN invited TEXT[] NOT NULL DEFAULT '{}';
