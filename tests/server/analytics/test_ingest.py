"""RecordEvents and RecordEvent over a real channel: durability, idempotency, validation, authorisation."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import replace
from typing import Any

import grpc
import pytest

from amauta.v1 import analytics_pb2
from server.analytics.ingest import events_batch
from server.analytics.validation import EventRules
from server.runtime import Stores
from tests.server.analytics.helpers import columns, fails, message, stream
from tests.stores.analytics.oracle import Event, generate, utc
from tests.support import Tokens, bad_fields


def _events(n: int, learner: str | None = None, seed: int | None = None) -> list[Event]:
    rnd = random.Random(seed)
    learners = [learner] if learner else [f"ingest-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    return generate(rnd, start=utc(3), days=2, learners=learners, contents=["c"], dataset_id="d",
                    objectives=["o"], count=n)


async def _stored(stores: Stores, ids: list[str]) -> int:
    rows = await stores.analytics.query(
        "SELECT count() AS n FROM learning_events WHERE event_id IN (SELECT arrayJoin({ids:Array(String)}))",
        {"ids": "[" + ",".join(f"'{i}'" for i in ids) + "]"})
    return int(rows[0]["n"])


async def test_a_columnar_stream_lands_every_row_once(stub, stores: Stores, tokens: Tokens) -> None:
    events = _events(25_000)
    requests = [columns(events[i:i + 10_000]) for i in range(0, len(events), 10_000)]
    reply = await stub.RecordEvents(stream(requests), metadata=tokens.md("service"))
    assert (reply.accepted_count, reply.duplicate_count, reply.rejected_count) == (25_000, 0, 0)
    ids = [e.event_id for e in events]
    assert await _stored(stores, ids) == 25_000
    again = await stub.RecordEvents(stream(requests[1:]), metadata=tokens.md("service"))
    assert (again.accepted_count, again.duplicate_count) == (0, 15_000)
    assert await _stored(stores, ids) == 25_000


async def test_message_and_columnar_forms_mix_and_keep_every_field(stub, stores: Stores, tokens: Tokens) -> None:
    events = _events(40)
    requests = [analytics_pb2.RecordEventsRequest(events=[message(e) for e in events[:20]]),
                columns(events[20:])]
    reply = await stub.RecordEvents(stream(requests), metadata=tokens.md("admin"))
    assert reply.accepted_count == 40
    exported = []
    for learner in sorted({e.learner_id for e in events}):
        async for batch in stub.ExportEvents(analytics_pb2.ExportEventsRequest(learner_id=learner),
                                             metadata=tokens.md("admin")):
            exported.extend(batch.events)
    assert sorted(m.event_id for m in exported) == sorted(e.event_id for e in events)
    by_id = {e.event_id: e for e in events}
    for m in exported:
        e = by_id[m.event_id]
        assert m.timestamp.ToMilliseconds() == e.ts_ms
        assert (m.learner_id, m.session_id, m.duration_ms, m.success_indicator, m.difficulty_level,
                m.learning_objective, m.content_type) == (e.learner_id, e.session_id, e.duration_ms,
                                                          e.success, e.difficulty, e.objective, e.content_type)
        assert dict(m.event_data) == e.event_data
        assert {k: v for k, v in m.performance_metrics.items()} == {
            k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in e.performance_metrics.items()}


async def test_bad_events_are_reported_by_index_and_the_others_land(stub, stores: Stores, tokens: Tokens) -> None:
    good = _events(30)
    bad: list[tuple[int, str, dict[str, Any]]] = [
        (3, "difficulty_level", {"difficulty": 1.5}),
        (5, "event_type", {"event_type": "session_start"}),
        (8, "timestamp", {"ts_ms": 1_000}),
        (9, "event_id", {"event_id": ""}),
        (12, "learner_id", {"learner_id": "x" * 101}),
        (13, "learner_id", {"learner_id": " padded"}),  # the id grammar
        (14, "session_id", {"session_id": "not-a-uuid"}),
        (16, "learner_id", {"learner_id": "tab\there"}),
        (17, "event_data", {"event_data": {"blob": "x" * 70_000}}),
        (21, "timestamp", {"ts_ms": int((utc(-2)).timestamp() * 1000)}),  # two days ahead
        (22, "learner_id", {"learner_id": "nbsp\u00a0"}),
        (25, "event_type", {"event_type": "assessment_submit"}),
    ]
    events = list(good)
    for index, _, change in bad:
        events[index] = replace(events[index], **change)
    requests = [columns(events[:10]), analytics_pb2.RecordEventsRequest(events=[message(e) for e in events[10:20]]),
                columns(events[20:])]
    reply = await stub.RecordEvents(stream(requests), metadata=tokens.md("service"))
    assert [(e.index, e.field) for e in reply.errors] == [(i, f) for i, f, _ in bad]
    assert (reply.accepted_count, reply.rejected_count, reply.errors_truncated) == (18, 12, False)
    landed = [e.event_id for i, e in enumerate(events) if i not in {b[0] for b in bad}]
    assert await _stored(stores, landed) == 18


async def test_invalid_json_text_in_columns_is_reported_by_the_store(stub, tokens: Tokens) -> None:
    events = _events(6)
    request = columns(events)
    request.columns.event_data[2] = '{"broken": '
    request.columns.performance_metrics[4] = "[1, 2]"
    reply = await stub.RecordEvents(stream([request]), metadata=tokens.md("service"))
    assert [(e.index, e.field) for e in reply.errors] == [(2, "event_data"), (4, "performance_metrics")]
    assert reply.accepted_count == 4


async def test_errors_list_is_capped(stub, tokens: Tokens) -> None:
    events = [replace(e, difficulty=2.0) for e in _events(1_500)]
    reply = await stub.RecordEvents(stream([columns(events)]), metadata=tokens.md("service"))
    assert (reply.rejected_count, len(reply.errors), reply.errors_truncated) == (1_500, 1_000, True)
    assert [e.index for e in reply.errors] == list(range(1_000))


async def test_messages_must_carry_exactly_one_form(stub, tokens: Tokens) -> None:
    e = _events(1)[0]
    both = columns([e])
    both.events.append(message(e))
    for request in (both, analytics_pb2.RecordEventsRequest(batch_id="x")):
        err = await fails(stub.RecordEvents(stream([request]), metadata=tokens.md("service")),
                          grpc.StatusCode.INVALID_ARGUMENT)
        assert bad_fields(err) == {"events"}


async def test_columns_of_different_lengths_are_invalid(stub, tokens: Tokens) -> None:
    request = columns(_events(3))
    request.columns.event_id.pop()
    request.columns.content_type.append("extra")
    err = await fails(stub.RecordEvents(stream([request]), metadata=tokens.md("service")),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"columns.event_id", "columns.content_type"}


async def test_oversized_messages_are_resource_exhausted(stub, tokens: Tokens) -> None:
    e = message(_events(1)[0])
    request = analytics_pb2.RecordEventsRequest(events=[e] * 10_001)
    await fails(stub.RecordEvents(stream([request]), metadata=tokens.md("service")),
                grpc.StatusCode.RESOURCE_EXHAUSTED)


async def test_a_node_records_only_its_own_events(stub, stores: Stores, tokens: Tokens) -> None:
    own = _events(5, learner="node-a")
    reply = await stub.RecordEvents(stream([columns(own)]), metadata=tokens.md("node_a"))
    assert reply.accepted_count == 5
    foreign = _events(5, learner="node-b")
    await fails(stub.RecordEvents(stream([columns(own[:2] + foreign)]), metadata=tokens.md("node_a")),
                grpc.StatusCode.PERMISSION_DENIED)
    assert await _stored(stores, [e.event_id for e in foreign]) == 0
    for key in ("analyst", "observer"):
        await fails(stub.RecordEvents(stream([columns(own)]), metadata=tokens.md(key)),
                    grpc.StatusCode.PERMISSION_DENIED)
    await fails(stub.RecordEvents(stream([columns(own)]), metadata=tokens.md("none")),
                grpc.StatusCode.UNAUTHENTICATED)


async def test_rows_are_flushed_by_time_while_the_stream_is_open(stub, stores: Stores, tokens: Tokens) -> None:
    events = _events(3)
    call = stub.RecordEvents(metadata=tokens.md("service"))
    await call.write(columns(events))
    for _ in range(50):  # the default flush interval is 200 ms
        if await _stored(stores, [e.event_id for e in events]) == 3:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("rows were not flushed while the stream stayed open")
    await call.write(columns(events))
    await call.done_writing()
    reply = await call
    assert (reply.accepted_count, reply.duplicate_count) == (3, 3)


async def test_record_event_is_durable_idempotent_and_validated(stub, stores: Stores, tokens: Tokens) -> None:
    e = _events(1, learner="node-a")[0]
    first = await stub.RecordEvent(analytics_pb2.RecordEventRequest(event=message(e)), metadata=tokens.md("node_a"))
    assert (first.event_id, first.duplicate) == (e.event_id, False)
    assert await _stored(stores, [e.event_id]) == 1
    again = await stub.RecordEvent(analytics_pb2.RecordEventRequest(event=message(e)), metadata=tokens.md("admin"))
    assert again.duplicate is True
    bad = message(replace(e, difficulty=-0.1, event_type="session_end"))
    err = await fails(stub.RecordEvent(analytics_pb2.RecordEventRequest(event=bad), metadata=tokens.md("admin")),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"event.event_type"}  # one error per event: the first column at fault
    other = message(replace(e, event_id=str(uuid.uuid4()), learner_id="node-b"))
    await fails(stub.RecordEvent(analytics_pb2.RecordEventRequest(event=other), metadata=tokens.md("node_a")),
                grpc.StatusCode.PERMISSION_DENIED)
    large = message(replace(e, event_id=str(uuid.uuid4()), event_data={"x": "y" * 70_000}))
    err = await fails(stub.RecordEvent(analytics_pb2.RecordEventRequest(event=large), metadata=tokens.md("admin")),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"event.event_data"}


def test_struct_fields_nested_too_deep_are_rejected_by_row() -> None:
    # The wire limit of protobuf (depth 100) lets a 32-level Struct through; the event rule stops it.
    deep: dict = {}
    node = deep
    for _ in range(32):
        node["x"] = {}
        node = node["x"]
    events = _events(2)
    nested = message(replace(events[1], event_data=deep))
    batch, errors = events_batch([message(events[0]), nested], EventRules())
    assert [(i, f) for i, f, _ in errors] == [(1, "event_data")]
    assert batch.num_rows == 2


async def test_concurrent_streams_with_the_same_rows_store_them_once(stub, stores: Stores, tokens: Tokens) -> None:
    events = _events(6_000)
    requests = [columns(events[i:i + 2_000]) for i in range(0, 6_000, 2_000)]
    replies = await asyncio.gather(*(stub.RecordEvents(stream(requests), metadata=tokens.md("service"))
                                     for _ in range(4)))
    assert sum(r.accepted_count for r in replies) == 6_000
    assert sum(r.duplicate_count for r in replies) == 18_000
    assert await _stored(stores, [e.event_id for e in events]) == 6_000
