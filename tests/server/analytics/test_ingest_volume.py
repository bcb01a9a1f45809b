"""One million events through one RecordEvents stream, then a replayed batch: no duplicates."""

from __future__ import annotations

import time
import uuid

import numpy as np

from amauta.v1 import analytics_pb2
from server.runtime import Stores
from tests.server.analytics.helpers import stream
from tests.stores.analytics.oracle import utc
from tests.support import Tokens

TOTAL = 1_000_000
BATCH = 10_000


def _messages(prefix: str) -> list[analytics_pb2.RecordEventsRequest]:
    rng = np.random.default_rng(42)
    start = int(utc(300).timestamp() * 1000)
    ts = np.sort(start + rng.integers(0, 10 * 86_400_000, TOTAL))
    kinds = rng.choice([2, 3, 6], TOTAL)
    learners = [f"{prefix}-l{i}" for i in range(1_000)]
    out = []
    for lo in range(0, TOTAL, BATCH):
        hi = lo + BATCH
        out.append(analytics_pb2.RecordEventsRequest(columns=analytics_pb2.EventColumns(
            timestamp=ts[lo:hi].tolist(), event_id=[f"{prefix}-{i}" for i in range(lo, hi)],
            learner_id=[learners[i % 1_000] for i in range(lo, hi)], event_type=kinds[lo:hi].tolist(),
            duration_ms=rng.integers(0, 60_000, BATCH).tolist(),
            success_indicator=(rng.random(BATCH) < 0.6).tolist(),
            difficulty_level=rng.random(BATCH).tolist(),
            event_data=['{"content_id":"bulk"}'] * BATCH)))
    return out


async def test_one_million_events_then_a_replayed_batch(stub, stores: Stores, tokens: Tokens) -> None:
    prefix = f"bulk-{uuid.uuid4().hex[:8]}"
    messages = _messages(prefix)
    started = time.perf_counter()
    reply = await stub.RecordEvents(stream(messages), metadata=tokens.md("service"))
    elapsed = time.perf_counter() - started
    print(f"\n1M events through RecordEvents: {elapsed:.1f} s, {TOTAL / elapsed:,.0f} events/s")
    assert (reply.accepted_count, reply.duplicate_count, reply.rejected_count) == (TOTAL, 0, 0)
    replay = await stub.RecordEvents(stream(messages[37:38]), metadata=tokens.md("service"))
    assert (replay.accepted_count, replay.duplicate_count) == (0, BATCH)
    rows = await stores.analytics.query(
        "SELECT count() AS n, uniqExact(event_id) AS u FROM learning_events WHERE startsWith(event_id, {p:String})",
        {"p": prefix + "-"})
    assert (int(rows[0]["n"]), int(rows[0]["u"])) == (TOTAL, TOTAL)
    # Leave the shared node's tables as small as the other tests expect.
    await stores.analytics.execute("ALTER TABLE learning_events DELETE WHERE startsWith(event_id, {p:String})"
                                   " SETTINGS mutations_sync = 2",
                                   {"p": prefix + "-"})
