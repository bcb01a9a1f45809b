"""The outbox: producers' event types, consumer names, one active relay per consumer, pending rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from stores.postgres import PostgresStore, outbox
from stores.postgres.outbox import OutboxRelay, OutboxRow


class Sink:
    """A consumer that records what it is given."""

    def __init__(self, name: str, event_types: frozenset[str] = outbox.EVENT_TYPES) -> None:
        self.name = name
        self.event_types = event_types
        self.rows: list[OutboxRow] = []

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        self.rows.extend(rows)


async def test_append_refuses_an_unknown_event_type(pg: PostgresStore) -> None:
    async with pg.transaction() as conn:
        with pytest.raises(ValueError, match="'session_started'"):
            await outbox.append(conn, "session_started", "agg", {})


def test_a_relay_needs_a_known_consumer(pg: PostgresStore) -> None:
    with pytest.raises(ValueError, match="'search'"):
        OutboxRelay(pg, Sink("search"))


async def test_append_returns_increasing_ids_and_makes_the_row_pending_for_every_consumer(
        pg: PostgresStore) -> None:
    aggregate = f"test-outbox-{uuid.uuid4()}"
    async with pg.transaction() as conn:
        first = await outbox.append(conn, "profile_upserted", aggregate, {"n": 1}, learner_id="l-1")
        second = await outbox.append(conn, "profile_upserted", aggregate, {"n": 2})
        assert second > first
        cur = await conn.execute("SELECT consumer FROM outbox_pending WHERE outbox_id = %s ORDER BY consumer",
                                 (first,))
        assert [r["consumer"] for r in await cur.fetchall()] == sorted(outbox.CONSUMERS)
        cur = await conn.execute("SELECT learner_id, payload FROM analytics_outbox WHERE outbox_id = %s", (first,))
        assert await cur.fetchone() == {"learner_id": "l-1", "payload": {"n": 1}}


async def test_a_relay_waits_while_another_relay_of_its_consumer_is_active(pg: PostgresStore) -> None:
    relay = OutboxRelay(pg, Sink("analytics"))
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with pg.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (0x6F7574626F78,))
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    try:
        async with pg.transaction() as conn:
            row = await outbox.append(conn, "profile_upserted", f"test-outbox-{uuid.uuid4()}", {})
        assert await relay.relay_once() == 0
        async with pg.connection() as conn:
            cur = await conn.execute("SELECT 1 FROM outbox_pending WHERE consumer = 'analytics' AND outbox_id = %s",
                                     (row,))
            assert await cur.fetchone() is not None
    finally:
        release.set()
        await holder

async def test_redeliver_of_unknown_events_adds_nothing_and_lag_is_never_negative(pg: PostgresStore) -> None:
    async with pg.transaction() as conn:
        assert await outbox.redeliver(conn, "graph", [str(uuid.uuid4())]) == 0
    assert await outbox.lag_seconds(pg, "graph") >= 0.0
    assert await outbox.pending_count(pg, "no-such-consumer") == 0
