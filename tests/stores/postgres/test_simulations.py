"""Simulation rows in PostgreSQL: one use per id, participants' sessions, ends, and the sync reads.

Every row here is written inside a transaction that is rolled back: the node's reconciler would
otherwise find a live simulation without Redis state and abandon it under the test.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from stores.errors import AlreadyExists, NotFound
from stores.postgres import PostgresStore
from stores.postgres import simulations as sims
from stores.postgres.simulations import SimulationRecord, SimulationRecords
from tests.server.learner.helpers import insert_environment, unique


class Rollback(Exception):
    """Raised at the end of a test transaction so that nothing it wrote commits."""


def _record(environment_id: str, learners: list[str]) -> SimulationRecord:
    return SimulationRecord(
        simulation_id=f"sim-{uuid.uuid4().hex[:10]}", environment_id=environment_id, status="starting",
        max_participants=4, participants=learners, config={"rounds": 1}, initial_state={"turn": 0},
        started_by="node-a", start_time=datetime.now(timezone.utc), end_time=None, synced_version=0,
        end_result=None)


async def test_a_simulation_lives_through_its_participants_sessions_and_ends(pg: PostgresStore) -> None:
    env = await insert_environment(pg)
    a, b = unique("sim-learner"), unique("sim-learner")
    record = _record(env, [a, b])
    with pytest.raises(Rollback):
        async with pg.transaction() as conn:
            assert await sims.environment_config(conn, env) == {}
            await sims.create(conn, record)
            with pytest.raises(AlreadyExists) as again:
                async with conn.transaction():  # a savepoint keeps the outer transaction usable
                    await sims.create(conn, record)
            assert again.value.reason == "SIMULATION_EXISTS"
            loaded = await sims.load(conn, record.simulation_id, lock="share")
            assert loaded is not None and (loaded.status, loaded.join_policy, loaded.ended) == ("starting", "open",
                                                                                                False)
            started = {who: await sims.start_participant(conn, record, who, None) for who in (a, b)}
            assert {s.learner_id for s in await sims.open_sessions(conn, record.simulation_id)} == {a, b}
            assert [s.learner_id for s in await sims.open_sessions(conn, record.simulation_id, a)] == [a]
            assert await sims.first_sessions(conn, record) == {w: s.session.session_id for w, s in started.items()}
            await sims.end_participant(conn, started[a].session.session_id, status="completed")
            assert [s.learner_id for s in await sims.open_sessions(conn, record.simulation_id)] == [b]
            assert await sims.learners(conn, record.simulation_id) == {a, b}
            await sims.finish(conn, record.simulation_id, status="ended", result={"winner": a}, reason="done")
            ended = await sims.load(conn, record.simulation_id, lock="update")
            assert ended is not None and ended.ended and ended.end_result == {"winner": a}
            with pytest.raises(NotFound) as gone:
                await sims.load_unended(conn, record.simulation_id, lock="")
            assert gone.value.reason == "SIMULATION_NOT_FOUND"
            raise Rollback


async def test_reads_of_unknown_ids_are_empty(pg: PostgresStore) -> None:
    records = SimulationRecords(pg)
    assert await records.get("sim-never") is None
    assert await records.many([]) == {}
    assert await records.many(["sim-never"]) == {}
    assert await records.copy_live([]) == 0
    assert await records.unended_before(datetime(1970, 1, 2, tzinfo=timezone.utc)) == []
    assert await records.open_sessions_before(datetime(1970, 1, 2, tzinfo=timezone.utc)) == []
    async with pg.connection() as conn:
        assert await sims.load(conn, "sim-never") is None
        assert await sims.environment_config(conn, str(uuid.uuid4())) == {}
