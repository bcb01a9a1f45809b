"""SimulationDomain over PostgreSQL and Redis: starts that replay, state updates by version, ends once."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import pytest

from server.runtime import Stores
from stores.errors import Conflict, InvalidData, NotFound
from stores.postgres import simulations as pg
from stores.redis.settings import SimulationSettings
from stores.redis.simulation_state import StateChange
from stores.redis.simulations import keys
from stores.sync.simulations import Outcome, SimulationDomain, StartSpec
from tests.server.learner.helpers import insert_environment, unique


def anyone(learners: Collection[str]) -> None:
    """An access check that lets every caller through (authorisation is the servicer's)."""


async def _start(stores: Stores, domain: SimulationDomain, *, request_id: str | None = None) -> tuple[str, list[str]]:
    env = await insert_environment(stores.postgres)
    async with stores.postgres.connection() as conn:
        await conn.execute("UPDATE simulation_environments SET max_participants = 4 WHERE environment_id = %s",
                           (env,))
    people = [unique("sim"), unique("sim")]
    started = await domain.start(StartSpec(None, env, people, None, {"turn": 0}, request_id, "admin",
                                           join_policy="open"))
    return started.state.simulation_id, people


async def test_a_start_writes_both_stores_and_a_retry_replays_it(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    request = str(uuid.uuid4())
    sid, people = await _start(stores, domain, request_id=request)
    record = await pg.SimulationRecords(stores.postgres).get(sid)
    assert record is not None and record.status == "starting" and sorted(record.participants) == sorted(people)
    assert await stores.redis.client.exists(keys(sid)[0]) == 1
    again = await domain.start(StartSpec(None, record.environment_id, people, None, {"turn": 0}, request, "admin",
                                         join_policy="open"))
    assert again.replayed and again.state.simulation_id == sid
    await domain.end(sid, [], actor="admin", check=anyone)


async def test_updates_need_the_current_version(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    sid, _ = await _start(stores, domain)
    updated = await domain.update(sid, StateChange({"turn": 1}, []), expected_version=1, actor="admin",
                                  check=anyone, max_bytes=1 << 20)
    assert updated.version == 2
    with pytest.raises(Conflict):
        await domain.update(sid, StateChange({"turn": 2}, []), expected_version=1, actor="admin", check=anyone,
                            max_bytes=1 << 20)
    free = await domain.update(sid, StateChange({}, [], phase="done"), expected_version=0, actor="admin",
                               check=anyone, max_bytes=1 << 20)
    assert free.version == 3
    assert (await domain.get(sid, anyone)).current_state == {"turn": 1, "phase": "done"}
    await domain.end(sid, [], actor="admin", check=anyone)


async def test_an_end_records_outcomes_once_and_refuses_strangers(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    sid, people = await _start(stores, domain)
    with pytest.raises(InvalidData) as stranger:
        await domain.end(sid, [Outcome("stranger", "completed", None, None, None)], actor="admin", check=anyone)
    assert stranger.value.field == "outcomes[0].learner_id"
    ended = await domain.end(sid, [Outcome(people[0], "failed", None, {"skills": ["a"]}, 0.9)], actor="admin",
                             check=anyone)
    assert (len(ended.ended_session_ids), ended.collaboration_pair_count, ended.failed, ended.already_ended) == (
        2, 1, True, False)
    repeat = await domain.end(sid, [], actor="admin", check=anyone)
    assert repeat.already_ended and repeat.ended_session_ids == ended.ended_session_ids
    assert await stores.redis.client.exists(keys(sid)[0]) == 0
    with pytest.raises(NotFound):
        await domain.end(f"sim-{uuid.uuid4()}", [], actor="admin", check=anyone)


async def test_abandon_ends_the_open_sessions_once(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    sid, _ = await _start(stores, domain)
    assert await domain.abandon(sid, reason="test", actor="admin")
    assert not await domain.abandon(sid, reason="test", actor="admin")
    record = await pg.SimulationRecords(stores.postgres).get(sid)
    assert record is not None and record.status == "abandoned"
