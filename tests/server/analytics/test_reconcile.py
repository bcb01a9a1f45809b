"""Rule 5 through ReconcileAnalytics and the CLI: in sync after the relay, drift after a deleted row."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import uuid
from pathlib import Path

import grpc

from amauta.v1 import analytics_pb2
from server.app import Node
from server.runtime import Stores
from stores.analytics.events import EventStore
from stores.postgres.outbox import OutboxRelay
from stores.sync.analytics_relay import AnalyticsConsumer
from tests.server.analytics.helpers import add_outbox, delivered, fails
from tests.stores.analytics.helpers import to_batch
from tests.stores.analytics.oracle import Event
from tests.support import Tokens, bad_fields


def _checksum(ids: list[str]) -> str:
    return f"{sum(int(hashlib.md5(i.encode()).hexdigest()[:16], 16) for i in ids) % 2**64:016x}"


async def _relay(stores: Stores, rows: list[dict]) -> None:
    await add_outbox(stores.postgres, rows)
    await delivered(stores, [r["event_id"] for r in rows])


def _rows(month: str, count: int) -> list[dict]:
    kinds = ("session_start", "session_end", "assessment_submit")
    field = {"session_start": "start_time", "session_end": "end_time", "assessment_submit": "assessment_timestamp"}
    out = []
    for i in range(count):
        kind = kinds[i % 3]
        out.append({"event_id": str(uuid.uuid4()), "event_type": kind, "aggregate_id": str(uuid.uuid4()),
                    "learner_id": "reconcile", "payload": {field[kind]: f"{month}-{1 + i % 27:02d}T12:00:00Z"}})
    return out


async def test_reconcile_reports_sync_then_the_drift_of_a_deleted_row(
        stub, stores: Stores, tokens: Tokens, node: Node, tmp_path: Path) -> None:
    june, july = _rows("2001-06", 12), _rows("2001-07", 9)
    await _relay(stores, june + july)
    request = analytics_pb2.ReconcileAnalyticsRequest(start_month=200105, end_month=200107)
    reply = await stub.ReconcileAnalytics(request, metadata=tokens.md("admin"))
    assert [(p.month, p.source_count, p.analytics_count, p.in_sync) for p in reply.partitions] == [
        (200105, 0, 0, True), (200106, 12, 12, True), (200107, 9, 9, True)]
    assert reply.partitions[1].source_checksum == reply.partitions[1].analytics_checksum == \
        _checksum([r["event_id"] for r in june])

    deleted = june[4]["event_id"]
    await stores.analytics.execute("ALTER TABLE learning_events DELETE WHERE event_id = {e:String} SETTINGS mutations_sync = 2", {"e": deleted})
    stray = Event(ts_ms=994_075_200_000, event_id=str(uuid.uuid4()), learner_id="reconcile",
                  event_type="session_start")  # 2001-07-02, with no source row
    await EventStore(stores.analytics).record(to_batch([stray]))
    reply = await stub.ReconcileAnalytics(request, metadata=tokens.md("service"))
    june_drift, july_drift = reply.partitions[1], reply.partitions[2]
    assert (june_drift.source_count, june_drift.analytics_count, june_drift.in_sync) == (12, 11, False)
    assert list(june_drift.missing_ids) == [deleted] and list(june_drift.extra_ids) == []
    assert june_drift.analytics_checksum == _checksum([r["event_id"] for r in june if r["event_id"] != deleted])
    assert (july_drift.analytics_count, list(july_drift.extra_ids), july_drift.in_sync) == (10, [stray.event_id], False)

    token = tmp_path / "token"
    token.write_text(tokens.by_key["admin"])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "reconcile-analytics", "--start", "200106", "--end", "200106",
        "--json", "--address", f"127.0.0.1:{node.port}", "--token-file", str(token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 1, err.decode()[-1000:]  # drift
    month = json.loads(out)
    assert (month["month"], month["missing_ids"], month["in_sync"]) == (200106, [deleted], False)


async def test_reconcile_access_and_validation(stub, tokens: Tokens) -> None:
    for key in ("node_a", "analyst", "observer"):
        await fails(stub.ReconcileAnalytics(analytics_pb2.ReconcileAnalyticsRequest(), metadata=tokens.md(key)),
                    grpc.StatusCode.PERMISSION_DENIED)
    current = await stub.ReconcileAnalytics(analytics_pb2.ReconcileAnalyticsRequest(), metadata=tokens.md("admin"))
    assert len(current.partitions) == 1
    for request, fields in (
        (analytics_pb2.ReconcileAnalyticsRequest(start_month=202413, end_month=2024), {"start_month", "end_month"}),
        (analytics_pb2.ReconcileAnalyticsRequest(start_month=202406, end_month=202405), {"start_month"}),
        (analytics_pb2.ReconcileAnalyticsRequest(start_month=200001, end_month=201101), {"end_month"}),
        (analytics_pb2.ReconcileAnalyticsRequest(max_examples=1001), {"max_examples"}),
    ):
        err = await fails(stub.ReconcileAnalytics(request, metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
        assert bad_fields(err) == fields


async def test_rows_waiting_in_the_outbox_are_reported_as_pending_with_the_relay_lag(
        stub, stores: Stores, tokens: Tokens) -> None:
    # The relay takes this advisory lock for each batch; holding it pauses the node's relay.
    relay = OutboxRelay(stores.postgres, AnalyticsConsumer(stores.postgres, EventStore(stores.analytics)))
    rows = _rows("2001-09", 6)
    request = analytics_pb2.ReconcileAnalyticsRequest(start_month=200109, end_month=200109)
    async with stores.postgres.transaction() as held:
        await held.execute("SELECT pg_advisory_xact_lock(%s)", (relay._lock_key,))
        await add_outbox(stores.postgres, rows)
        await asyncio.sleep(0.3)
        reply = await stub.ReconcileAnalytics(request, metadata=tokens.md("admin"))
        [month] = reply.partitions
        assert (month.source_count, month.analytics_count, month.pending_count) == (0, 0, 6)
        assert reply.pending_count >= 6
        assert reply.relay_lag.ToTimedelta().total_seconds() >= 0.3
    await delivered(stores, [r["event_id"] for r in rows])
    reply = await stub.ReconcileAnalytics(request, metadata=tokens.md("admin"))
    [month] = reply.partitions
    assert (month.source_count, month.analytics_count, month.pending_count, month.in_sync) == (6, 6, 0, True)
