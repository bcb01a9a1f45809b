"""Retention keeps rule 5 true: the event TTL removes ingested events and spares those the relay derived.

The analytics side is a database of its own (the TTL must not touch the node's other events); the
source rows are the node's outbox rows of one month no other test uses (2002-03), delivered by the
node's relay to the node's database and, here, by a second AnalyticsConsumer to this database.
"""

from __future__ import annotations

import uuid

from stores.analytics import AnalyticsBackend
from stores.analytics.events import EventStore, set_retention
from stores.postgres import PostgresStore
from stores.postgres.outbox import OutboxRow
from stores.sync.analytics_relay import AnalyticsConsumer
from stores.sync.reconcile import reconcile
from tests.server.analytics.helpers import add_outbox, delivered
from tests.stores.analytics.helpers import to_batch
from tests.stores.analytics.oracle import Event

MONTH = 200203
_FIELD = {"session_start": "start_time", "session_end": "end_time", "assessment_submit": "assessment_timestamp"}


async def _kinds(analytics: AnalyticsBackend) -> dict[str, int]:
    rows = await analytics.query("SELECT toString(event_type) AS t, count() AS n FROM learning_events"
                                 " WHERE toYYYYMM(timestamp) = {m:UInt32} GROUP BY t", {"m": MONTH})
    return {r["t"]: int(r["n"]) for r in rows}


async def test_rule_5_stays_in_sync_after_the_ttl_runs(analytics: AnalyticsBackend, pg: PostgresStore, node) -> None:
    assert node.runtime is not None
    kinds = ("session_start", "session_end", "assessment_submit")
    rows = [{"event_id": str(uuid.uuid4()), "event_type": kinds[i % 3], "aggregate_id": str(uuid.uuid4()),
             "learner_id": "retention", "payload": {_FIELD[kinds[i % 3]]: f"2002-03-{1 + i:02d}T08:00:00Z"}}
            for i in range(9)]
    await add_outbox(pg, rows)
    await delivered(node.runtime.stores, [r["event_id"] for r in rows])
    async with pg.connection() as conn:
        cur = await conn.execute(
            "SELECT outbox_id, event_id::text AS event_id, event_type, aggregate_id, learner_id, payload,"
            " created_at FROM analytics_outbox WHERE event_id = ANY(%s::uuid[]) ORDER BY outbox_id",
            ([r["event_id"] for r in rows],))
        source = [OutboxRow(**r) for r in await cur.fetchall()]
    await AnalyticsConsumer(pg, EventStore(analytics)).deliver(source)
    ingested = [Event(ts_ms=1_015_000_000_000 + i * 60_000, event_id=str(uuid.uuid4()), learner_id="retention",
                      event_type="content_access") for i in range(5)]  # 2002-03-01
    await EventStore(analytics).record(to_batch(ingested))
    assert await _kinds(analytics) == {"session_start": 3, "session_end": 3, "assessment_submit": 3,
                                       "content_access": 5}
    [before] = await reconcile(pg, analytics, start_month=MONTH, end_month=MONTH, max_examples=10)
    assert (before.source_count, before.analytics_count, before.in_sync) == (9, 9, True)

    await set_retention(analytics, 30)
    await analytics.execute("OPTIMIZE TABLE learning_events FINAL")  # the TTL runs on merges
    try:
        assert await _kinds(analytics) == {"session_start": 3, "session_end": 3, "assessment_submit": 3}
        [after] = await reconcile(pg, analytics, start_month=MONTH, end_month=MONTH, max_examples=10)
        assert (after.source_count, after.analytics_count, after.in_sync) == (9, 9, True)
        assert after.analytics_checksum == before.analytics_checksum
    finally:
        await set_retention(analytics, 0)
