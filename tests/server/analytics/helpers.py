"""AnalyticsService test helpers: messages from oracle events, error details, outbox rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterable
from datetime import datetime, timezone
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from grpc import aio

from amauta.v1 import analytics_pb2, common_pb2
from server.runtime import Stores
from stores.postgres import PostgresStore
from tests.stores.analytics.oracle import Event

TYPES = {name: common_pb2.EventType.Value(f"EVENT_TYPE_{name.upper()}")
         for name in ("session_start", "content_access", "interaction", "assessment_submit",
                      "session_end", "error")}


def columns(events: list[Event], batch_id: str = "") -> analytics_pb2.RecordEventsRequest:
    """One columnar RecordEvents message."""
    return analytics_pb2.RecordEventsRequest(batch_id=batch_id, columns=analytics_pb2.EventColumns(
        timestamp=[e.ts_ms for e in events], event_id=[e.event_id for e in events],
        learner_id=[e.learner_id for e in events], session_id=[e.session_id for e in events],
        event_type=[TYPES[e.event_type] for e in events],
        event_data=[json.dumps(e.event_data) for e in events],
        performance_metrics=[json.dumps(e.performance_metrics) for e in events],
        duration_ms=[e.duration_ms for e in events], success_indicator=[e.success for e in events],
        difficulty_level=[e.difficulty for e in events], learning_objective=[e.objective for e in events],
        content_type=[e.content_type for e in events]))


def message(e: Event) -> analytics_pb2.LearningEvent:
    """One event as a LearningEvent message."""
    out = analytics_pb2.LearningEvent(
        event_id=e.event_id, learner_id=e.learner_id, session_id=e.session_id,
        event_type=TYPES[e.event_type], duration_ms=e.duration_ms, success_indicator=e.success,
        difficulty_level=e.difficulty, learning_objective=e.objective, content_type=e.content_type)
    out.timestamp.FromMilliseconds(e.ts_ms)
    out.event_data.update(e.event_data)
    out.performance_metrics.update(e.performance_metrics)
    return out


async def stream(requests: Iterable[analytics_pb2.RecordEventsRequest]) -> Any:
    """An async iterator over requests (for stream-unary calls)."""
    for request in requests:
        yield request


async def fails(call: Awaitable[Any], code: grpc.StatusCode) -> aio.AioRpcError:
    """Await call, assert it fails with code, return the error."""
    with pytest.raises(aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, (caught.value.code(), caught.value.details())
    return caught.value



def iso(ms: int) -> str:
    """ISO-8601 UTC with milliseconds and Z, as outbox payloads carry times."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


async def add_outbox(pg: PostgresStore, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows directly: dicts with event_id, event_type, aggregate_id, learner_id, payload."""
    async with pg.transaction() as conn:
        await conn.execute(
            "INSERT INTO analytics_outbox (event_id, event_type, aggregate_id, learner_id, payload)"
            " SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::jsonb[])",
            ([r["event_id"] for r in rows], [r["event_type"] for r in rows],
             [r["aggregate_id"] for r in rows], [r["learner_id"] for r in rows],
             [json.dumps(r["payload"]) for r in rows]))


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    """A Struct of value."""
    out = struct_pb2.Struct()
    out.update(value)
    return out


async def delivered(stores: Stores, ids: list[str], timeout: float = 20) -> None:
    """Wait until the node's analytics relay has marked every outbox row of ids delivered."""
    for _ in range(int(timeout * 10)):
        async with stores.postgres.connection() as conn:
            cur = await conn.execute("SELECT count(*) AS n FROM analytics_outbox WHERE event_id = ANY(%s::uuid[])"
                                     " AND outbox_id NOT IN (SELECT outbox_id FROM outbox_pending"
                                     " WHERE consumer = 'analytics')", (ids,))
            row = await cur.fetchone()
            if row is not None and row["n"] == len(ids):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the node's relay did not deliver the rows")
