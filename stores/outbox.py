"""The transactional outbox: rows written with the change they describe, read by the relays."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

#: Event types a producer may write; relays route on them.
EVENT_TYPES = frozenset({
    "session_start", "session_end", "assessment_submit",   # → analytics learning_events
    "profile_upserted", "content_upserted",                # → graph Learner / Content nodes
    "collaboration",                                        # → graph COLLABORATED_WITH
    "learner_erased",
})


async def append(conn: psycopg.AsyncConnection[Any], event_type: str, aggregate_id: str,
                 payload: dict[str, Any], learner_id: str | None = None) -> int:
    """Insert one outbox row on conn (inside the caller's transaction); returns its outbox_id."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown outbox event type {event_type!r}")
    cur = await conn.execute(
        "INSERT INTO analytics_outbox (event_type, aggregate_id, learner_id, payload)"
        " VALUES (%s, %s, %s, %s) RETURNING outbox_id",
        (event_type, aggregate_id, learner_id, Jsonb(payload)))
    row = await cur.fetchone()
    assert row is not None
    return int(row["outbox_id"] if isinstance(row, dict) else row[0])
