"""Real-time progress: the seed's hash, session and report updates, UTC-day arithmetic, rebuilds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from grpc import aio

from amauta.v1 import common_pb2, learner_pb2_grpc
from amauta.v1 import learner_pb2 as pb
from server.app import Node
from server.runtime import Stores
from stores.postgres import sessions as session_store
from stores.redis.progress import FIELDS, progress_key
from stores.sync.progress import progress_store
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, unique
from tests.support import REDIS_BACKENDS, Tokens, bad_fields, redis_node

SEED_FIELDS = {"currentSession", "currentObjective", "progressPercentage", "lastActivity", "streakDays",
               "todayActivities"}


@pytest.fixture(scope="session", params=REDIS_BACKENDS)
def node(request: pytest.FixtureRequest, node: Node) -> Node:
    """These tests run on one Redis and on a Redis Cluster."""
    return redis_node(request, node)


@pytest.fixture(scope="session")
async def stub(node: Node) -> AsyncIterator[learner_pb2_grpc.LearnerServiceStub]:
    """A LearnerService stub on this module's node."""
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        yield learner_pb2_grpc.LearnerServiceStub(ch)


@pytest.fixture(scope="session")
def stores(node: Node) -> Stores:
    """This module's node's stores."""
    assert node.runtime is not None
    return node.runtime.stores


class FakeClock:
    """A settable UTC clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


async def get(stub, tokens: Tokens, learner: str) -> pb.LearnerProgress:
    return (await stub.GetProgress(pb.GetProgressRequest(learner_id=learner), metadata=tokens.md("admin"))).progress


async def test_sessions_and_reports_drive_the_hash(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("live")
    md = tokens.md("admin")
    started = (await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=catalog.content),
        metadata=md)).session
    progress = await get(stub, tokens, learner)  # no hash yet: built from PostgreSQL
    assert progress.current_session == started.session_id
    assert progress.current_objective == "ethical_reasoning"
    assert (progress.streak_days, progress.today_activities) == (1, 1)
    reply = await stub.ReportProgress(pb.ReportProgressRequest(
        learner_id=learner, progress_percentage=42.5, current_objective="moral_weighing"), metadata=md)
    assert reply.progress.progress_percentage == 42.5
    assert reply.progress.current_objective == "moral_weighing"
    assert reply.progress.today_activities == 2
    await stub.ReportProgress(pb.ReportProgressRequest(learner_id=learner, progress_percentage=75), metadata=md)
    await stub.CompleteSession(pb.CompleteSessionRequest(session_id=started.session_id), metadata=md)
    progress = await get(stub, tokens, learner)
    assert progress.current_session == "" and progress.progress_percentage == 100
    assert progress.current_objective == "moral_weighing"
    assert (progress.streak_days, progress.today_activities) == (1, 4)
    raw = await stores.redis.client.hgetall(progress_key(learner))
    assert set(raw) == SEED_FIELDS == set(FIELDS)
    assert raw["progressPercentage"] == "100" and raw["todayActivities"] == "4" and raw["streakDays"] == "1"
    assert raw["lastActivity"].endswith("Z")


async def test_concurrent_reports_count_every_activity(stub, tokens: Tokens) -> None:
    learner = unique("burst")
    md = tokens.md("admin")
    await asyncio.gather(*(stub.ReportProgress(pb.ReportProgressRequest(learner_id=learner, progress_percentage=i),
                                               metadata=md) for i in range(30)))
    progress = await get(stub, tokens, learner)
    assert progress.today_activities == 30  # atomic script: no lost increments


async def test_report_and_get_validation(stub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    err = await fails(stub.ReportProgress(pb.ReportProgressRequest(
        learner_id="", progress_percentage=100.5, current_objective="o" * 256), metadata=md),
        grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"learner_id", "progress_percentage", "current_objective"}
    await fails(stub.ReportProgress(pb.ReportProgressRequest(learner_id="x", progress_percentage=-1), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)
    await fails(stub.GetProgress(pb.GetProgressRequest(learner_id=unique("nobody")), metadata=md),
                grpc.StatusCode.NOT_FOUND)


async def test_progress_is_rebuilt_after_flushall(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("flush")
    md = tokens.md("admin")
    await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, learner_type="t")), metadata=md)
    first = (await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=catalog.content),
        metadata=md)).session
    await stub.CompleteSession(pb.CompleteSessionRequest(session_id=first.session_id), metadata=md)
    second = (await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_SIMULATION, environment_id=catalog.environment),
        metadata=md)).session
    before = await get(stub, tokens, learner)
    await stores.redis.client.flushall()
    assert not await stores.redis.client.exists(progress_key(learner))
    after = await get(stub, tokens, learner)
    assert after.current_session == second.session_id
    assert after.current_objective == "coordination"
    assert (after.streak_days, after.today_activities) == (1, 3)
    assert after.last_activity.ToMilliseconds() == second.start_time.ToMilliseconds()  # the hash keeps ms
    assert (before.current_session, before.today_activities) == (after.current_session, after.today_activities)
    assert set(await stores.redis.client.hgetall(progress_key(learner))) == SEED_FIELDS
    # A profile alone is enough to have (empty) progress.
    lone = unique("lone")
    await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=lone, learner_type="t")), metadata=md)
    empty = await get(stub, tokens, lone)
    assert (empty.current_session, empty.streak_days, empty.today_activities) == ("", 0, 0)
    assert not empty.HasField("last_activity")


async def test_streak_and_today_across_utc_midnight(stores: Stores) -> None:
    clock = FakeClock(utc(2031, 12, 30, 23, 59, 59))
    progress = progress_store(stores.redis, stores.postgres, clock)
    learner = unique("streak")

    async def report() -> tuple[int, int]:
        p = await progress.report(learner, percentage=None, objective=None)
        return p.streak_days, p.today_activities

    async def read() -> tuple[int, int]:
        p = await progress.get(learner)
        return p.streak_days, p.today_activities

    assert await report() == (1, 1)
    assert await report() == (1, 2)
    clock.now = utc(2031, 12, 31, 0, 0, 0)  # midnight: today resets, the streak grows
    assert await read() == (1, 0)
    assert await report() == (2, 1)
    clock.now = utc(2032, 1, 1, 0, 0, 1)  # across a year boundary
    assert await report() == (3, 1)
    clock.now = utc(2032, 1, 1, 23, 59, 59, 999000)
    assert await report() == (3, 2)
    clock.now = utc(2032, 1, 2, 18, 0)  # a day without activity yet: the streak still holds
    assert await read() == (3, 0)
    clock.now = utc(2032, 1, 3, 0, 0)  # a whole UTC day missed: the streak lapses
    assert await read() == (0, 0)
    assert await report() == (1, 1)
    raw = await stores.redis.client.hgetall(progress_key(learner))
    assert raw["lastActivity"] == "2032-01-03T00:00:00.000Z" and raw["streakDays"] == "1"


async def test_rebuild_counts_consecutive_days_from_sessions(stores: Stores, catalog: Catalog) -> None:
    learner = unique("days")
    today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    async with stores.postgres.transaction() as conn:
        for days_ago in (5, 2, 1, 0):  # day 5 is outside the run ending today
            started = await session_store.insert_session(
                conn, learner_id=learner, session_type="practice", content_id=catalog.content,
                start_time=today - timedelta(days=days_ago, hours=1))
            if days_ago:
                await session_store.end_session(conn, started.session.session_id, status="completed",
                                                end_time=today - timedelta(days=days_ago))
    clock = FakeClock(today + timedelta(hours=3))
    p = await progress_store(stores.redis, stores.postgres, clock).get(learner)
    assert (p.streak_days, p.today_activities) == (3, 1)  # days 2, 1 and 0; one start today
    assert p.current_session == started.session.session_id
    clock.now = today + timedelta(days=2)
    p = await progress_store(stores.redis, stores.postgres, clock).get(learner)
    assert (p.streak_days, p.today_activities) == (0, 0)


@pytest.mark.parametrize("when", [utc(2031, 3, 1, 0, 0, 0)])
async def test_late_event_counts_on_the_latest_day(stores: Stores, when: datetime) -> None:
    clock = FakeClock(when)
    progress = progress_store(stores.redis, stores.postgres, clock)
    learner = unique("late")
    await progress.report(learner, percentage=10, objective="o")
    # A session event stamped just before midnight arrives after the report: it never moves
    # lastActivity backwards and counts on the newer day.
    await progress.session_started(learner, "s-1", when - timedelta(seconds=1), "x")
    raw = await stores.redis.client.hgetall(progress_key(learner))
    assert raw["lastActivity"] == "2031-03-01T00:00:00.000Z"
    assert (raw["todayActivities"], raw["streakDays"], raw["currentSession"]) == ("2", "1", "s-1")


async def test_report_on_a_lost_hash_rebuilds_before_counting(stub, tokens: Tokens, stores: Stores,
                                                              catalog: Catalog) -> None:
    learner = unique("lost")
    md = tokens.md("admin")
    session = (await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_PRACTICE, content_id=catalog.content),
        metadata=md)).session
    assert not await stores.redis.client.exists(progress_key(learner))  # a start never creates the hash
    reply = await stub.ReportProgress(pb.ReportProgressRequest(learner_id=learner, current_objective="x"),
                                      metadata=md)
    assert reply.progress.current_session == session.session_id  # from PostgreSQL
    assert (reply.progress.today_activities, reply.progress.streak_days) == (2, 1)
    assert reply.progress.current_objective == "x" and reply.progress.progress_percentage == 0
    await fails(stub.GetProgress(pb.GetProgressRequest(learner_id=""), metadata=md), grpc.StatusCode.INVALID_ARGUMENT)
