-- Per-caller idempotency (AIP-155, issue 15): request_id now holds "<identity>:<request id>" for every
-- operation (stores/idempotency.request_key), and the fingerprint of the first request is kept, so a
-- reuse of the key for a different request is refused. Keys stored before this have no fingerprint.
ALTER TABLE idempotency_keys ADD COLUMN fingerprint VARCHAR(64) NOT NULL DEFAULT '';
