"""The transactional outbox: rows written with the change they describe, delivered by relays.

Payloads by event type (all ids are strings, times ISO-8601 UTC):

- session_start: session_id, learner_id, session_type, content_id, environment_id, start_time,
  difficulty_level (float | None), learning_objective, content_type
- session_end: the session_start fields plus completion_status, end_time, duration_seconds,
  performance_data (object), learning_outcomes (object)
- assessment_submit: assessment_id, session_id, learner_id, assessment_type, assessment_timestamp,
  skill_assessments (skill id → score in [0, 1]), confidence_level, review_status
- profile_upserted: learner_id, learner_type
- content_upserted: content_id, dataset_id, content_type, difficulty_level; content_deleted: content_id
- collaboration: simulation_id, learner_ids (list), synergy (float), complementary_skills, at
- learner_erased: learner_id
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

from stores.postgres import PostgresStore
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

#: Event types a producer may write; consumers route on them.
EVENT_TYPES = frozenset({
    "session_start", "session_end", "assessment_submit",
    "profile_upserted", "content_upserted", "content_deleted",
    "collaboration", "learner_erased",
})

#: Outbox consumers (outbox_consumers, PostgreSQL migration 0100); each has its own outbox_pending rows.
CONSUMERS = ("analytics", "graph")
#: Rows of analytics_outbox (alias o) that the consumer %(consumer)s has not received yet.
PENDING = ("SELECT o.outbox_id, o.event_id::text AS event_id, o.event_type, o.aggregate_id, o.learner_id,"
           " o.payload, o.created_at FROM outbox_pending p JOIN analytics_outbox o ON o.outbox_id = p.outbox_id"
           " WHERE p.consumer = %(consumer)s")


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


async def lag_seconds(postgres: PostgresStore, consumer: str) -> float:
    """Age of the oldest row that consumer has not received (0 when none is pending)."""
    async with postgres.connection() as conn:
        cur = await conn.execute(
            f"SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) AS lag FROM ({PENDING}) o",
            {"consumer": consumer})
        row = await cur.fetchone()
    return float(row["lag"]) if row else 0.0


async def pending_count(postgres: PostgresStore, consumer: str) -> int:
    """Outbox rows that consumer has not received yet."""
    async with postgres.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM outbox_pending WHERE consumer = %s", (consumer,))
        row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def redeliver(conn: psycopg.AsyncConnection[Any], consumer: str, event_ids: Sequence[str]) -> int:
    """Make the rows with these event ids pending again for consumer; returns how many were not already."""
    cur = await conn.execute(
        "INSERT INTO outbox_pending (consumer, outbox_id) SELECT %s, outbox_id FROM analytics_outbox"
        " WHERE event_id::text = ANY(%s) ON CONFLICT DO NOTHING", (consumer, list(event_ids)))
    return cur.rowcount


@dataclass(frozen=True)
class OutboxRow:
    """One pending outbox row."""

    outbox_id: int
    event_id: str
    event_type: str
    aggregate_id: str
    learner_id: str | None
    payload: dict[str, Any]
    created_at: datetime


class OutboxConsumer(Protocol):
    """A delivery target of the relay; `deliver` must be idempotent per row (it may see a row twice)."""

    #: One of CONSUMERS.
    name: str
    #: Event types this consumer handles; other rows are marked delivered untouched.
    event_types: frozenset[str]

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        """Apply rows (in outbox_id order) to the target store, durably, before returning."""


class OutboxRelay:
    """Moves one consumer's pending rows to it: take a batch, deliver, delete its pending rows, commit.

    A relay killed after deliver and before commit leaves its rows pending; the next run delivers
    them again, and the consumer's idempotence turns that into exactly-once effects. One advisory
    lock per consumer keeps a single active relay, so a consumer's rows are offered in outbox_id order
    of what has committed; a row that commits after a higher id was delivered comes in a later batch,
    never skipped. Consumers have separate pending rows, so they never wait for or skip each other.
    """

    def __init__(self, postgres: PostgresStore, consumer: OutboxConsumer, *, batch_size: int = 1000,
                 idle_seconds: float = 0.2) -> None:
        if consumer.name not in CONSUMERS:
            raise ValueError(f"unknown consumer {consumer.name!r}")
        self.postgres = postgres
        self.consumer = consumer
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self._lock_key = 0x6F7574626F78 + CONSUMERS.index(consumer.name)

    async def relay_once(self) -> int:
        """Deliver at most one batch; returns how many rows were marked delivered."""
        async with self.postgres.transaction() as conn:
            cur = await conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS ok", (self._lock_key,))
            got = await cur.fetchone()
            if not got or not got["ok"]:
                return 0  # another relay of this consumer is active
            # FOR SHARE: the other consumer may hold the same rows (shared locks do not conflict), while
            # erasure's DELETE of a row waits until this batch is committed.
            cur = await conn.execute(f"{PENDING} ORDER BY p.outbox_id LIMIT %(limit)s FOR SHARE OF o",
                                     {"consumer": self.consumer.name, "limit": self.batch_size})
            rows = [OutboxRow(**r) for r in await cur.fetchall()]
            if not rows:
                return 0
            wanted = [r for r in rows if r.event_type in self.consumer.event_types]
            if wanted:
                await self.consumer.deliver(wanted)
            await conn.execute("DELETE FROM outbox_pending WHERE consumer = %s AND outbox_id = ANY(%s)",
                               (self.consumer.name, [r.outbox_id for r in rows]))
        return len(rows)

    async def drain(self) -> int:
        """Deliver until nothing is pending; returns the number of rows delivered."""
        total = 0
        while (n := await self.relay_once()) > 0:
            total += n
        return total

    async def lag_seconds(self) -> float:
        """Age of the oldest row this consumer has not received (0 when none is pending)."""
        return await lag_seconds(self.postgres, self.consumer.name)

    async def run(self) -> None:
        """Relay forever; store outages are logged and retried."""
        while not stop_requested():
            try:
                if await self.relay_once() == 0:
                    await asyncio.sleep(self.idle_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay %s failed; retrying", self.consumer.name)
                await asyncio.sleep(1.0)
