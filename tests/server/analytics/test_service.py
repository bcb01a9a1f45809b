"""AnalyticsServicer over the session's channel: validate, authorise, one store call, convert."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TypeAlias

import grpc

from amauta.v1 import analytics_pb2, analytics_pb2_grpc, common_pb2
from tests.server.catalog.support import fails
from tests.support import Tokens

Stub: TypeAlias = analytics_pb2_grpc.AnalyticsServiceStub


def _event(learner: str, event_id: str | None = None) -> analytics_pb2.LearningEvent:
    event = analytics_pb2.LearningEvent(event_id=event_id or str(uuid.uuid4()), learner_id=learner,
                                        event_type=common_pb2.EVENT_TYPE_INTERACTION, difficulty_level=0.5)
    event.timestamp.FromDatetime(datetime.now(timezone.utc))
    event.event_data.update({"step": 1})
    return event


async def test_record_event_stores_once_and_reports_the_duplicate(stub: Stub, tokens: Tokens) -> None:
    event = _event("node-a")
    first = await stub.RecordEvent(analytics_pb2.RecordEventRequest(event=event), metadata=tokens.md("node_a"))
    again = await stub.RecordEvent(analytics_pb2.RecordEventRequest(event=event), metadata=tokens.md("node_a"))
    assert (first.event_id, first.duplicate, again.duplicate) == (event.event_id, False, True)


async def test_record_event_names_the_bad_field_and_guards_the_learner(stub: Stub, tokens: Tokens) -> None:
    bad = _event("node-a")
    bad.difficulty_level = 3.0
    _, _, fields = await fails(stub.RecordEvent(analytics_pb2.RecordEventRequest(event=bad),
                                                metadata=tokens.md("node_a")), grpc.StatusCode.INVALID_ARGUMENT)
    assert fields == ["event.difficulty_level"]
    await fails(stub.RecordEvent(analytics_pb2.RecordEventRequest(event=_event("node-b")),
                                 metadata=tokens.md("node_a")), grpc.StatusCode.PERMISSION_DENIED)


async def test_an_analyst_reads_any_learner_and_a_node_only_itself(stub: Stub, tokens: Tokens) -> None:
    request = analytics_pb2.GetLearnerPerformanceRequest(learner_id="node-b", metric_type=1)
    reply = await stub.GetLearnerPerformance(request, metadata=tokens.md("analyst"))
    assert list(reply.points) == []
    await fails(stub.GetLearnerPerformance(request, metadata=tokens.md("node_a")), grpc.StatusCode.PERMISSION_DENIED)


async def test_a_node_exports_only_its_own_events(stub: Stub, tokens: Tokens) -> None:
    reason, _, _ = await fails(_drain(stub.ExportEvents(analytics_pb2.ExportEventsRequest(),
                                                        metadata=tokens.md("node_a"))),
                               grpc.StatusCode.PERMISSION_DENIED)
    assert reason == "PERMISSION_DENIED"


async def test_a_corrupt_ranking_token_is_invalid(stub: Stub, tokens: Tokens) -> None:
    _, _, fields = await fails(stub.GetContentEffectiveness(analytics_pb2.GetContentEffectivenessRequest(
        page_token="garbage"), metadata=tokens.md("analyst")), grpc.StatusCode.INVALID_ARGUMENT)
    assert fields == ["page_token"]


async def _drain(call: object) -> list[object]:
    return [item async for item in call]  # type: ignore[attr-defined]
