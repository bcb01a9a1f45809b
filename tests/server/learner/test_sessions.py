"""Learning sessions: rule-3 checked starts, legal ends only, outbox rows, usage counters, lists, and
the transaction-level store functions other services build on."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from amauta.v1 import common_pb2
from amauta.v1 import learner_pb2 as pb
from server.runtime import Stores
from stores.errors import NotFound, PreconditionFailed
from stores.postgres import sessions as session_store
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, outbox_rows, reason, unique
from tests.support import Tokens, bad_fields

TRAINING = common_pb2.SESSION_TYPE_TRAINING


def struct(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


async def start(stub, tokens: Tokens, learner: str, content: str, key: str = "admin",
                **extra: object) -> pb.LearningSession:
    reply = await stub.StartSession(pb.StartSessionRequest(learner_id=learner, session_type=TRAINING,
                                                           content_id=content, **extra), metadata=tokens.md(key))
    return reply.session


async def usage(stores: Stores, content: str) -> tuple[dict, int]:
    async with stores.postgres.connection() as conn:
        cur = await conn.execute(
            "SELECT c.usage_statistics, d.usage_count FROM training_content c JOIN training_datasets d"
            " USING (dataset_id) WHERE c.content_id = %s", (content,))
        row = await cur.fetchone()
    return row["usage_statistics"], row["usage_count"]


async def test_start_on_validated_content_counts_and_writes_session_start(
        stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("start")
    before, dataset_before = await usage(stores, catalog.content)
    session = await start(stub, tokens, learner, catalog.content, session_config=struct(adaptive=True))
    assert session.completion_status == common_pb2.COMPLETION_STATUS_IN_PROGRESS
    assert session.content_id == catalog.content and not session.environment_id
    assert dict(session.session_config) == {"adaptive": True}
    assert session.HasField("start_time") and not session.HasField("end_time") and not session.HasField("duration")
    after, dataset_after = await usage(stores, catalog.content)
    assert after["attempts"] == before["attempts"] + 1
    assert dataset_after == dataset_before + 1
    [row] = await outbox_rows(stores.postgres, session.session_id)
    assert row["event_type"] == "session_start" and row["learner_id"] == learner
    payload = row["payload"]
    assert payload["session_id"] == session.session_id and payload["learner_id"] == learner
    assert payload["session_type"] == "training" and payload["content_id"] == catalog.content
    assert payload["environment_id"] == "" and payload["difficulty_level"] == 0.4
    assert payload["learning_objective"] == "ethical_reasoning" and payload["content_type"] == "ethical_dilemmas"
    assert payload["start_time"].endswith("Z")


async def test_start_on_active_environment(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    reply = await stub.StartSession(pb.StartSessionRequest(
        learner_id=unique("env"), session_type=common_pb2.SESSION_TYPE_SIMULATION,
        environment_id=catalog.environment), metadata=tokens.md("admin"))
    assert reply.session.environment_id == catalog.environment
    [row] = await outbox_rows(stores.postgres, reply.session.session_id)
    assert row["payload"]["content_type"] == "network_coordination"
    assert row["payload"]["learning_objective"] == "coordination"


@pytest.mark.parametrize("target, code, why", [
    ("pending_content", grpc.StatusCode.FAILED_PRECONDITION, "CONTENT_NOT_VALIDATED"),
    ("rejected_content", grpc.StatusCode.FAILED_PRECONDITION, "CONTENT_NOT_VALIDATED"),
    ("inactive_environment", grpc.StatusCode.FAILED_PRECONDITION, "ENVIRONMENT_INACTIVE"),
    ("missing_content", grpc.StatusCode.NOT_FOUND, "CONTENT_NOT_FOUND"),
    ("missing_environment", grpc.StatusCode.NOT_FOUND, "ENVIRONMENT_NOT_FOUND"),
])
async def test_start_enforces_rule_3(stub, tokens: Tokens, stores: Stores, catalog: Catalog,
                                     target: str, code: grpc.StatusCode, why: str) -> None:
    learner = unique("rule3")
    ids = {"missing_content": "00000000-0000-4000-8000-000000000001",
           "missing_environment": "00000000-0000-4000-8000-000000000002"}
    value = ids.get(target) or getattr(catalog, target)
    field = "environment_id" if "environment" in target else "content_id"
    err = await fails(stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=TRAINING, **{field: value}), metadata=tokens.md("admin")), code)
    assert reason(err) == why
    listed = await stub.ListSessions(pb.ListSessionsRequest(learner_id=learner), metadata=tokens.md("admin"))
    assert not listed.sessions  # nothing was written


async def test_start_validation(stub, tokens: Tokens) -> None:
    err = await fails(stub.StartSession(pb.StartSessionRequest(learner_id=""), metadata=tokens.md("admin")),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"learner_id", "session_type", "target"}
    err = await fails(stub.StartSession(pb.StartSessionRequest(
        learner_id="x", session_type=TRAINING, content_id="not-a-uuid"), metadata=tokens.md("admin")),
        grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"content_id"}


async def test_start_is_idempotent_by_request_id(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("idem")
    before, _ = await usage(stores, catalog.content)
    first, second = await asyncio.gather(*(start(stub, tokens, learner, catalog.content, request_id="s-1")
                                           for _ in range(2)))
    assert first == second
    after, _ = await usage(stores, catalog.content)
    assert after["attempts"] == before["attempts"] + 1
    assert len(await outbox_rows(stores.postgres, first.session_id)) == 1


@pytest.mark.parametrize("rpc, status", [
    ("CompleteSession", common_pb2.COMPLETION_STATUS_COMPLETED),
    ("AbandonSession", common_pb2.COMPLETION_STATUS_ABANDONED),
    ("FailSession", common_pb2.COMPLETION_STATUS_FAILED),
])
async def test_end_sets_outcome_and_writes_session_end(stub, tokens: Tokens, stores: Stores, catalog: Catalog,
                                                       rpc: str, status: int) -> None:
    learner = unique("end")
    session = await start(stub, tokens, learner, catalog.content)
    before, _ = await usage(stores, catalog.content)
    request_type = getattr(pb, f"{rpc}Request")
    reply = await getattr(stub, rpc)(request_type(
        session_id=session.session_id, performance_data=struct(score=0.8), learning_outcomes=struct(ok=True),
        feedback=struct(note="good")), metadata=tokens.md("admin"))
    ended = reply.session
    assert ended.completion_status == status
    assert ended.end_time.ToDatetime() >= ended.start_time.ToDatetime()
    assert ended.HasField("duration") and ended.duration >= 0
    assert dict(ended.performance_data) == {"score": 0.8} and dict(ended.feedback) == {"note": "good"}
    assert dict(ended.learning_outcomes) == {"ok": True}
    after, _ = await usage(stores, catalog.content)
    completed = status == common_pb2.COMPLETION_STATUS_COMPLETED
    assert after["completions"] == before["completions"] + (1 if completed else 0)
    rows = await outbox_rows(stores.postgres, session.session_id)
    assert [r["event_type"] for r in rows] == ["session_start", "session_end"]
    end = rows[1]["payload"]
    assert end["completion_status"] == {"CompleteSession": "completed", "AbandonSession": "abandoned",
                                        "FailSession": "failed"}[rpc]
    assert end["duration_seconds"] == ended.duration and end["performance_data"] == {"score": 0.8}
    assert end["learning_outcomes"] == {"ok": True} and end["learning_objective"] == "ethical_reasoning"
    assert end["end_time"].endswith("Z")


async def test_second_end_is_failed_precondition(stub, tokens: Tokens, catalog: Catalog) -> None:
    session = await start(stub, tokens, unique("twice"), catalog.content)
    md = tokens.md("admin")
    await stub.CompleteSession(pb.CompleteSessionRequest(session_id=session.session_id), metadata=md)
    for call in (stub.CompleteSession(pb.CompleteSessionRequest(session_id=session.session_id), metadata=md),
                 stub.AbandonSession(pb.AbandonSessionRequest(session_id=session.session_id), metadata=md),
                 stub.FailSession(pb.FailSessionRequest(session_id=session.session_id), metadata=md)):
        err = await fails(call, grpc.StatusCode.FAILED_PRECONDITION)
        assert reason(err) == "SESSION_ALREADY_ENDED"
    got = await stub.GetSession(pb.GetSessionRequest(session_id=session.session_id), metadata=md)
    assert got.session.completion_status == common_pb2.COMPLETION_STATUS_COMPLETED


async def test_concurrent_ends_exactly_one_wins(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    session = await start(stub, tokens, unique("race"), catalog.content)
    md = tokens.md("admin")
    calls = [call for _ in range(2) for call in (
        stub.CompleteSession(pb.CompleteSessionRequest(session_id=session.session_id), metadata=md),
        stub.AbandonSession(pb.AbandonSessionRequest(session_id=session.session_id), metadata=md),
        stub.FailSession(pb.FailSessionRequest(session_id=session.session_id), metadata=md))]
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(errors) == 5 and all(reason(e) == "SESSION_ALREADY_ENDED" for e in errors)
    rows = await outbox_rows(stores.postgres, session.session_id)
    assert [r["event_type"] for r in rows] == ["session_start", "session_end"]


async def test_end_and_get_errors(stub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    missing = "00000000-0000-4000-8000-0000000000aa"
    err = await fails(stub.CompleteSession(pb.CompleteSessionRequest(session_id=missing), metadata=md),
                      grpc.StatusCode.NOT_FOUND)
    assert reason(err) == "SESSION_NOT_FOUND"
    await fails(stub.GetSession(pb.GetSessionRequest(session_id=missing), metadata=md), grpc.StatusCode.NOT_FOUND)
    err = await fails(stub.GetSession(pb.GetSessionRequest(session_id="nope"), metadata=md),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"session_id"}
    await fails(stub.FailSession(pb.FailSessionRequest(session_id=""), metadata=md), grpc.StatusCode.INVALID_ARGUMENT)


async def test_list_filters_and_pages(stub, tokens: Tokens, catalog: Catalog) -> None:
    learner = unique("list")
    md = tokens.md("admin")
    made = [await start(stub, tokens, learner, catalog.content) for _ in range(5)]
    await stub.CompleteSession(pb.CompleteSessionRequest(session_id=made[1].session_id), metadata=md)
    await stub.StartSession(pb.StartSessionRequest(learner_id=learner, session_type=common_pb2.SESSION_TYPE_PRACTICE,
                                                   environment_id=catalog.environment), metadata=md)
    seen, token = [], ""
    while True:
        reply = await stub.ListSessions(pb.ListSessionsRequest(
            learner_id=learner, session_type=TRAINING, page_size=2, page_token=token), metadata=md)
        seen.extend(s.session_id for s in reply.sessions)
        token = reply.next_page_token
        if not token:
            break
    assert seen == [s.session_id for s in made]
    done = await stub.ListSessions(pb.ListSessionsRequest(
        learner_id=learner, completion_status=common_pb2.COMPLETION_STATUS_COMPLETED), metadata=md)
    assert [s.session_id for s in done.sessions] == [made[1].session_id]
    practice = await stub.ListSessions(pb.ListSessionsRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_PRACTICE), metadata=md)
    assert len(practice.sessions) == 1
    window = common_pb2.TimeRange(start=made[2].start_time, end=made[4].start_time)
    ranged = await stub.ListSessions(pb.ListSessionsRequest(learner_id=learner, start_time=window), metadata=md)
    assert [s.session_id for s in ranged.sessions] == [made[2].session_id, made[3].session_id]
    future = timestamp_pb2.Timestamp(seconds=4_000_000_000)
    await fails(stub.ListSessions(pb.ListSessionsRequest(start_time=common_pb2.TimeRange(start=future)),
                                  metadata=md), grpc.StatusCode.INVALID_ARGUMENT)  # outside the sane window
    await fails(stub.ListSessions(pb.ListSessionsRequest(session_type=99), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)


async def test_store_functions_share_the_callers_transaction(stores: Stores, catalog: Catalog) -> None:
    learner = unique("tx")
    pg = stores.postgres

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with pg.transaction() as conn:
            started = await session_store.insert_session(conn, learner_id=learner, session_type="simulation",
                                                         environment_id=catalog.environment,
                                                         session_metadata={"simulation_id": "sim-1"})
            await session_store.end_session(conn, started.session.session_id, status="completed")
            raise Abort  # the caller's own work failed: nothing of the session may remain
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM learning_sessions WHERE learner_id = %s", (learner,))
        assert (await cur.fetchone())["n"] == 0
        cur = await conn.execute("SELECT count(*) AS n FROM analytics_outbox WHERE learner_id = %s", (learner,))
        assert (await cur.fetchone())["n"] == 0
    async with pg.transaction() as conn:
        started = await session_store.insert_session(conn, learner_id=learner, session_type="simulation",
                                                     environment_id=catalog.environment)
        ended = await session_store.end_session(conn, started.session.session_id, status="failed",
                                                learner_id=learner)
    assert ended.completion_status == "failed" and ended.end_time >= ended.start_time
    assert [r["event_type"] for r in await outbox_rows(pg, ended.session_id)] == ["session_start", "session_end"]
    async with pg.transaction() as conn:
        with pytest.raises(PreconditionFailed):
            await session_store.end_session(conn, ended.session_id, status="completed")
    async with pg.transaction() as conn:
        with pytest.raises(NotFound):  # scoped to another learner: indistinguishable from missing
            await session_store.end_session(conn, ended.session_id, status="completed", learner_id="someone-else")


@pytest.mark.parametrize("rpc", ["CompleteSession", "AbandonSession", "FailSession"])
async def test_end_validation(stub, tokens: Tokens, rpc: str) -> None:
    request = getattr(pb, f"{rpc}Request")(session_id="not-a-uuid")
    request.feedback.update({"x": float("nan")})
    err = await fails(getattr(stub, rpc)(request, metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"session_id", "feedback"}
