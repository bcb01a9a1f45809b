"""Rule 5's reconciliation: month ranges, drift reports, and an event missing from analytics named."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from server.runtime import Stores
from stores.sync.reconcile import PartitionDrift, months_between, reconcile, reconcile_report


def test_months_run_across_the_year_end_inclusive() -> None:
    assert months_between(202411, 202502) == [202411, 202412, 202501, 202502]
    assert months_between(202503, 202503) == [202503]
    assert months_between(202504, 202503) == []


def test_a_partition_is_in_sync_when_count_and_checksum_agree() -> None:
    assert PartitionDrift(202501, 2, 2, "a", "a").in_sync
    assert not PartitionDrift(202501, 2, 2, "a", "b").in_sync
    assert not PartitionDrift(202501, 2, 1, "a", "a").in_sync


async def test_an_empty_past_month_is_in_sync(stores: Stores) -> None:
    (drift,) = await reconcile(stores.postgres, stores.analytics, start_month=199001, end_month=199001,
                               max_examples=5)
    assert (drift.month, drift.source_count, drift.analytics_count, drift.in_sync) == (199001, 0, 0, True)


async def test_a_source_row_the_relay_never_delivered_is_reported_missing(stores: Stores) -> None:
    # A session_end of a month no other suite uses, written straight into the outbox as already
    # delivered: PostgreSQL has it, analytics never will.
    when = datetime(1991, 3, 5, tzinfo=timezone.utc)
    event = str(uuid.uuid4())
    async with stores.postgres.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO analytics_outbox (event_id, event_type, aggregate_id, learner_id, payload, created_at)"
            " VALUES (%s, 'session_end', %s, 'drift-learner', %s, %s) RETURNING outbox_id",
            (event, str(uuid.uuid4()), '{"end_time": "1991-03-05T00:00:00Z"}', when))
        row = await cur.fetchone()
        assert row is not None
        outbox_id = row["outbox_id"]
        await conn.execute("DELETE FROM outbox_pending WHERE outbox_id = %s", (outbox_id,))
    try:
        (drift,) = await reconcile(stores.postgres, stores.analytics, start_month=199103, end_month=199103,
                                   max_examples=5)
        assert (drift.source_count, drift.analytics_count, drift.in_sync) == (1, 0, False)
        assert (drift.missing_ids, drift.extra_ids) == ([event], [])
        report = await reconcile_report(stores.postgres, stores.analytics, start_month=199103, end_month=199103,
                                        max_examples=0)
        assert [p.missing_ids for p in report.partitions] == [[]]
        assert report.pending_count >= 0 and report.relay_lag_seconds >= 0
    finally:
        async with stores.postgres.transaction() as conn:
            await conn.execute("DELETE FROM analytics_outbox WHERE outbox_id = %s", (outbox_id,))
